// Embedded Postgres (PGlite, WASM) behind the Neon bridge: in memory for tests, in a folder for
// `npm run dev`. PGlite is one connection; its own mutexes queue every query() behind a running
// transaction(), so a batch never interleaves with other requests.
import { PGlite, type Results } from '@electric-sql/pglite';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import {
  MIGRATIONS_FOLDER,
  type SqlBackend,
  type SqlResult,
  type Statement,
  type TransactionMode,
  transactionModes,
} from './backend.ts';
import { discardSnapshot, loadSnapshot, saveSnapshot, snapshotKey } from './pglite-snapshot.ts';

const extensions = { citext };
const asText = (value: string): string => value;

/**
 * Postgres text output in, text out: the Neon client parses values by dataTypeID, so PGlite's
 * own parsing (and its bytea serializer, which rejects "\x..." strings) must be switched off.
 * Done on the instance, once: per-query parser options cost ~7 ms a query, and parsers given to
 * the constructor lose to the array parsers PGlite installs at the end of its start-up.
 */
function useTextOutput(db: PGlite): void {
  for (const oid of Object.keys(db.parsers)) db.parsers[oid] = asText;
  for (const oid of Object.keys(db.serializers)) db.serializers[oid] = asText;
}

function toResult(result: Results<unknown[]>): SqlResult {
  return {
    command: result.command ?? null,
    rowCount: result.rowCount ?? null,
    fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    rows: result.rows as (string | null)[][],
  };
}

async function migrated(db: PGlite): Promise<PGlite> {
  await migrate(drizzle({ client: db }), { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}

async function open(dataDir: string | undefined, log: (msg: string) => void): Promise<PGlite> {
  if (dataDir) return migrated(await PGlite.create({ dataDir, extensions }));
  // A fresh in-memory cluster runs initdb (~2 s); a cached post-migration snapshot loads in
  // ~0.5 s. Migrating after the load is a no-op, and the safety net should a snapshot be stale.
  const key = await snapshotKey(MIGRATIONS_FOLDER);
  const snapshot = await loadSnapshot(key);
  if (snapshot) {
    const db = await PGlite.create({ loadDataDir: snapshot, extensions }).catch(
      async (error: unknown) => {
        log(`neon: discarding an unusable PGlite snapshot (${String(error)})`);
        await discardSnapshot(key);
        return undefined;
      },
    );
    if (db) return migrated(db);
  }
  const db = await migrated(await PGlite.create({ extensions }));
  await saveSnapshot(key, await db.dumpDataDir('gzip'), log);
  return db;
}

export async function openPglite(opts: {
  dataDir?: string | undefined;
  log: (msg: string) => void;
}): Promise<SqlBackend> {
  const db = await open(opts.dataDir, opts.log);
  useTextOutput(db);
  const arrays = { rowMode: 'array' } as const;

  return {
    name: 'pglite',
    async query({ query, params }: Statement) {
      return toResult(await db.query<unknown[]>(query, params, arrays));
    },
    async transaction(statements: Statement[], mode: TransactionMode) {
      const modes = transactionModes(mode);
      return db.transaction(async (tx) => {
        // PGlite's transaction() issues a plain BEGIN; SET TRANSACTION as the first statement
        // gives the same effect as BEGIN ISOLATION LEVEL ... READ ONLY ...
        if (modes) await tx.query(`SET TRANSACTION ${modes}`);
        const results: SqlResult[] = [];
        for (const { query, params } of statements) {
          results.push(toResult(await tx.query<unknown[]>(query, params, arrays)));
        }
        return results;
      });
    },
    close: () => db.close(),
  };
}
