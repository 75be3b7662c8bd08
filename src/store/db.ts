// Postgres through Neon's HTTP SQL endpoint (drizzle neon-http): one HTTP round trip per
// query or per batch, no connection to keep warm at the edge.
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle, type NeonHttpDatabase } from 'drizzle-orm/neon-http';
import type { Config } from '../config/index.ts';
import * as schema from '../db/schema.ts';
import { StoreUnavailableError } from '../errors.ts';
import { REQUEST_ID_HEADER, type RequestTrace } from './trace.ts';

export type Db = NeonHttpDatabase<typeof schema>;

/** What each client passes to tracedFetch through neon()'s `fetchOptions`. */
interface TraceOptions {
  trace: RequestTrace;
  timeoutMs: number;
  /** Overrides the endpoint derived from the connection string (the local stack's /sql). */
  endpoint: string | undefined;
}

type TracedInit = Omit<RequestInit, 'headers'> &
  Partial<TraceOptions> & { headers?: Record<string, string> };

// neon() spreads `fetchOptions` over its own init, so a `headers` entry there would replace
// the Neon-* protocol headers. Instead our options ride along as extra init members, and this
// function (the client's documented `fetchFunction` hook, set once per isolate) applies them:
// the endpoint, the request id header, a timeout, and the timing.
async function tracedFetch(url: string, init: TracedInit): Promise<Response> {
  const { trace, timeoutMs, endpoint, ...rest } = init;
  const target = endpoint ?? url;
  if (!trace) return fetch(target, rest);
  const started = performance.now();
  try {
    const response = await fetch(target, {
      ...rest,
      headers: { ...rest.headers, [REQUEST_ID_HEADER]: trace.requestId },
      signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : null,
    });
    // Neon answers 400 for SQL errors (the client turns them into NeonDbError); any other
    // failure status means the endpoint itself is unhealthy or refuses us.
    if (response.status >= 500 || response.status === 401 || response.status === 403) {
      throw new Error(`Neon HTTP endpoint answered ${response.status}`);
    }
    return response;
  } catch (error) {
    throw new StoreUnavailableError('db', error);
  } finally {
    trace.record('db', performance.now() - started);
  }
}

neonConfig.fetchFunction = tracedFetch;

export function createDb(config: Config, trace: RequestTrace): Db {
  const fetchOptions: TraceOptions = {
    trace,
    timeoutMs: config.storeTimeoutMs,
    endpoint: config.neonFetchEndpoint,
  };
  const sql = neon(config.databaseUrl, { fetchOptions });
  return drizzle({ client: sql, schema });
}
