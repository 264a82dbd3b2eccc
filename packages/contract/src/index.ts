export * from './keystone.ts';
export * from './account.ts';
export * from './synnefo-tokens.ts';
export * from './pithos-hashing.ts';
export * from './compute.ts';
