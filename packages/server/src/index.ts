export { createControlPlane, type ControlPlane } from './main.ts';
export { loadConfig, ConfigError, type Config, type ConfigSources } from './config.ts';
export { serve, bootstrapAdmin, writeAdminFiles } from './serve.ts';
export { openDatabase, type Database } from './db/database.ts';
export { migrate } from './db/migrator.ts';
