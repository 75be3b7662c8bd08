// The local stand-in for Neon's HTTP SQL endpoint: the Worker's unchanged
// @neondatabase/serverless client posts here (neonConfig.fetchEndpoint) and gets Neon's answers
// from PGlite, or from a real Postgres when DATABASE_URL is set.
import type { BridgeRequest, BridgeResponse, RecordRoundTrip } from '../bridge.ts';
import { json } from '../bridge.ts';
import type { SqlBackend } from './backend.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { encodeResult, errorResponse, parseSqlRequest } from './protocol.ts';

export interface NeonBridge {
  backend: 'pglite' | 'postgres';
  handle(req: BridgeRequest): Promise<BridgeResponse>;
  close(): Promise<void>;
}

export interface NeonBridgeOptions {
  /** A real PostgreSQL; otherwise embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data folder (kept across `npm run dev` runs); in memory when absent. */
  dataDir?: string | undefined;
  record: RecordRoundTrip;
  log?: (msg: string) => void;
}

export async function createNeonBridge(opts: NeonBridgeOptions): Promise<NeonBridge> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const db: SqlBackend = opts.databaseUrl
    ? await openPostgres({ databaseUrl: opts.databaseUrl, log })
    : await openPglite({ dataDir: opts.dataDir, log });
  const where = opts.databaseUrl ? 'DATABASE_URL' : (opts.dataDir ?? 'memory');
  log(`neon: ${db.name} (${where}) migrated in ${Math.round(performance.now() - started)} ms`);

  return {
    backend: db.name,
    async handle(req) {
      const parsed = parseSqlRequest(req);
      if (!parsed.ok) {
        opts.record({ store: 'sql', requestId: req.requestId, units: 0 });
        return parsed.response;
      }
      const { request } = parsed;
      const units = request.batch ? request.statements.length : 1;
      opts.record({ store: 'sql', requestId: req.requestId, units });

      try {
        const { arrayMode } = request;
        if (!request.batch) {
          return json(200, encodeResult(await db.query(request.statement), arrayMode));
        }
        const { statements, mode } = request;
        // Nothing to run, so no transaction to open.
        const results = statements.length ? await db.transaction(statements, mode) : [];
        return json(200, { results: results.map((r) => encodeResult(r, arrayMode)) });
      } catch (error) {
        return errorResponse(error);
      }
    },
    close: () => db.close(),
  };
}
