// Direct database access for test set-up (rows the API cannot create yet: imported users,
// disabled accounts), through the same Drizzle client the worker uses.
import { env } from 'cloudflare:workers';
import { loadConfig } from '../../src/config/index.ts';
import { createStores } from '../../src/store/index.ts';

export const testDb = () => createStores(loadConfig(env)).db;
