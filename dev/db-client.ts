// Database access for Node-side tools (seed, keys, user and client commands): a real
// Postgres/Neon when DATABASE_URL is set, otherwise the running local stack (npm run dev /
// npm run stack) through the same Neon HTTP protocol the Worker uses: the one STACK_URL or
// STACK_PORT names, else the one the running `npm run dev` recorded (dev/local-target.ts).
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-http';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { localTarget, requireLocalStack } from './local-target.ts';
import type { Db } from '../src/store/db.ts';
import * as schema from '../src/store/schema.ts';

export interface ToolDbHandle {
  db: Db;
  /** Where it points, for messages (never includes a password). */
  target: string;
  close(): Promise<void>;
  /** Resolves when the database answers; a local stack that does not is a ToolRefusal. */
  ready(): Promise<void>;
}

export function openToolDb(env: NodeJS.ProcessEnv = process.env): ToolDbHandle {
  if (env.DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
    const url = new URL(env.DATABASE_URL);
    return {
      db: drizzlePg({ client: pool, schema }),
      target: `${url.protocol}//${url.host}${url.pathname}`,
      close: () => pool.end(),
      ready: async () => {},
    };
  }
  const target = localTarget(env);
  const stackUrl = target.stackUrl;
  neonConfig.fetchEndpoint = `${stackUrl}/sql`;
  const sql = neon('postgres://edge:edge@127.0.0.1:5432/edge_auth');
  return {
    db: drizzleNeon({ client: sql, schema }),
    target: `the local stack at ${stackUrl}`,
    close: async () => {},
    ready: () => requireLocalStack(target),
  };
}
