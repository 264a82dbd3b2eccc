export { OceanosClient, type ClientOptions } from './oceanos-client.ts';
export { ApiError, type ApiErrorDetails, type ErrorKind } from './api-error.ts';
export { HttpTransport, type Fetch, type HttpResponse, type RequestOptions, type TransportOptions } from './http-transport.ts';
export { IdentityApi, type PasswordCredentials, type RenewedToken, type Session } from './identity-api.ts';
export { UsersApi, type NewUser, type UserPatch } from './users-api.ts';
export { AccountApi, type UserQuotas } from './account-api.ts';
export { CommissionsApi } from './commissions-api.ts';
export { hashFile, type FileHashmap, type HashFileOptions } from './file-hasher.ts';
