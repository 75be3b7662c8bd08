// Database access for Node-side tools (seed, keys, user and client commands): a real
// Postgres/Neon when DATABASE_URL is set, otherwise the running local stack (npm run dev /
// npm run stack) through the same Neon HTTP protocol the Worker uses.
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-http';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Db } from '../src/store/db.ts';
import * as schema from '../src/store/schema.ts';

export interface ToolDbHandle {
  db: Db;
  /** Where it points, for messages (never includes a password). */
  target: string;
  close(): Promise<void>;
}

export function openToolDb(env: NodeJS.ProcessEnv = process.env): ToolDbHandle {
  if (env.DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
    const url = new URL(env.DATABASE_URL);
    return {
      db: drizzlePg({ client: pool, schema }),
      target: `${url.protocol}//${url.host}${url.pathname}`,
      close: () => pool.end(),
    };
  }
  const stackUrl = env.STACK_URL ?? `http://127.0.0.1:${env.STACK_PORT ?? 8799}`;
  neonConfig.fetchEndpoint = `${stackUrl}/sql`;
  const sql = neon('postgres://edge:edge@127.0.0.1:5432/edge_auth');
  return {
    db: drizzleNeon({ client: sql, schema }),
    target: `local stack at ${stackUrl} (start it with npm run dev or npm run stack)`,
    close: async () => {},
  };
}
