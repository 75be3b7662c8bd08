// A real PostgreSQL behind the Neon bridge (DATABASE_URL): what CI runs against, so nothing is
// only ever tested on PGlite.
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import {
  MIGRATIONS_FOLDER,
  type SqlBackend,
  type SqlResult,
  type Statement,
  type TransactionMode,
  transactionModes,
} from './backend.ts';

/** Postgres text output, untouched: the Neon client parses values itself, by dataTypeID. */
const textOutput = {
  getTypeParser: () => (value: string) => value,
} as unknown as pg.CustomTypesConfig;

async function migrateOnce(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    // Stacks started in parallel against one database (CI jobs, two terminals) would otherwise
    // race on CREATE SCHEMA / CREATE TABLE. Closing the session releases the lock.
    await client.query(`SELECT pg_advisory_lock(hashtext('edge-auth drizzle migrations'))`);
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.end();
  }
}

async function run(client: pg.Pool | pg.PoolClient, { query, params }: Statement) {
  // Extended protocol even without parameters, as Neon does: one statement per query, and
  // "SELECT 1; SELECT 2" is an error rather than two result sets.
  const config: pg.QueryArrayConfig & { queryMode: 'extended' } = {
    text: query,
    values: params,
    rowMode: 'array',
    queryMode: 'extended',
  };
  const result = await client.query(config);
  return {
    command: result.command || null,
    rowCount: result.rowCount,
    fields: result.fields.map((field) => ({ ...field })),
    rows: result.rows as (string | null)[][],
  } satisfies SqlResult;
}

export async function openPostgres(opts: {
  databaseUrl: string;
  log: (msg: string) => void;
}): Promise<SqlBackend> {
  await migrateOnce(opts.databaseUrl);
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, types: textOutput, max: 10 });
  // An idle connection dropped by the server must not take the whole stack down.
  pool.on('error', (error) => opts.log(`neon: idle Postgres connection failed: ${error.message}`));

  return {
    name: 'postgres',
    query: (statement: Statement) => run(pool, statement),
    async transaction(statements: Statement[], mode: TransactionMode) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query(`BEGIN ${transactionModes(mode)}`);
        const results: SqlResult[] = [];
        for (const statement of statements) results.push(await run(client, statement));
        await client.query('COMMIT');
        return results;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        // A connection that could not roll back is destroyed, not returned to the pool.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
