// Postgres through Neon's HTTP SQL endpoint (drizzle neon-http): one HTTP round trip per
// query or per batch, no connection to keep warm at the edge.
//
// This file is also the one place where a database failure gets its meaning, the way
// src/store/redis.ts does it for Redis: a statement Postgres refused because of its data
// (SQLSTATE class 22 or 23, e.g. 23505 for a taken email) becomes SqlStatementError, which a
// store may expect and handle; anything else (endpoint down or timing out, a 5xx, an auth
// failure, Postgres shutting down, a missing table) means the store failed and becomes
// StoreUnavailableError (503, fail closed). Neither carries a message from the driver: drizzle
// wraps every failure in a DrizzleQueryError whose message is the SQL and its parameters
// (an email, an argon2 hash), so only facts survive (src/shared/safe-cause.ts).
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-http';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Config } from '../config/index.ts';
import * as schema from './schema.ts';
import { InvariantError, StoreUnavailableError } from '../shared/errors.ts';
import { describeFacts, failureFacts, type FailureFacts, SafeCause } from '../shared/safe-cause.ts';
import { REQUEST_ID_HEADER } from '../shared/trace.ts';
import { currentTrace } from './trace-scope.ts';

/**
 * A database over this schema, as every store adapter takes it: the Worker's neon-http one
 * (createDb below) or a Node tool's, neon-http or node-postgres (dev/db-client.ts).
 */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Postgres refused the statement because of its data; only the codes are kept. */
export class SqlStatementError extends Error {
  override readonly name = 'SqlStatementError';
  /** SQLSTATE, e.g. "23505" (unique_violation). */
  readonly code: string;
  readonly constraint: string | undefined;
  constructor(facts: FailureFacts & { pg_code: string }) {
    super(`Postgres refused the statement: ${describeFacts(facts)}`, {
      cause: new SafeCause(facts),
    });
    this.code = facts.pg_code;
    this.constraint = facts.constraint;
  }
}

/** The endpoint answered, but not as Neon's SQL endpoint does for a statement. */
class DbEndpointError extends Error {
  override readonly name = 'DbEndpointError';
  readonly status: number;

  constructor(status: number) {
    super(`Neon HTTP endpoint answered ${status}`);
    this.status = status;
  }
}

// SQLSTATE classes that describe the statement's data, not the database's health
// (PostgreSQL Appendix A): 22 data exception, 23 integrity constraint violation.
const STATEMENT_CLASSES = new Set(['22', '23']);

/** The one translation of a database failure (see the top of this file). */
function toDbError(error: unknown): Error {
  if (error instanceof StoreUnavailableError || error instanceof SqlStatementError) return error;
  const facts = failureFacts(error);
  const { pg_code } = facts;
  if (pg_code !== undefined && STATEMENT_CLASSES.has(pg_code.slice(0, 2))) {
    return new SqlStatementError({ ...facts, pg_code });
  }
  return new StoreUnavailableError('db', new SafeCause(facts));
}

/** What each client passes to tracedFetch through neon()'s `fetchOptions`. */
interface TraceOptions {
  timeoutMs: number;
  /** Overrides the endpoint derived from the connection string (the local stack's /sql). */
  endpoint: string | undefined;
}

type TracedInit = Omit<RequestInit, 'headers'> &
  Partial<TraceOptions> & { headers?: Record<string, string> };

// neon() spreads `fetchOptions` over its own init, so a `headers` entry there would replace
// the Neon-* protocol headers. Instead our options ride along as extra init members, and this
// function (the client's documented `fetchFunction` hook, set once per isolate) applies them:
// the endpoint, a timeout, and, from the request's trace scope, the request id header and the
// timing.
async function tracedFetch(url: string, init: TracedInit): Promise<Response> {
  const { timeoutMs, endpoint, ...rest } = init;
  const target = endpoint ?? url;
  // Not one of createDb's clients (a Node tool's neon client in the same process): as it is.
  if (timeoutMs === undefined) return fetch(target, rest);
  const trace = currentTrace();
  const started = performance.now();
  try {
    const response = await fetch(target, {
      ...rest,
      headers: { ...rest.headers, ...(trace ? { [REQUEST_ID_HEADER]: trace.requestId } : {}) },
      signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : null,
    });
    // Neon answers 400 for SQL errors (the client turns them into NeonDbError); any other
    // failure status means the endpoint itself is unhealthy or refuses us. The body is not
    // read: it may echo the statement.
    if (response.status >= 500 || response.status === 401 || response.status === 403) {
      throw new DbEndpointError(response.status);
    }
    return response;
  } finally {
    trace?.record('db', performance.now() - started);
  }
}

neonConfig.fetchFunction = tracedFetch;

// drizzle-orm's neon-http session, as far as this file relies on it: every statement runs
// through a prepared query's execute/all/values (builders, db.execute, relational queries),
// and db.batch() through the session's batch. Checked at creation, so an upgrade of drizzle
// that moves them fails the first query loudly instead of letting raw errors through.
interface PreparedQueryMethods {
  execute(...args: unknown[]): Promise<unknown>;
  all(...args: unknown[]): Promise<unknown>;
  values(...args: unknown[]): Promise<unknown>;
}
interface SessionMethods {
  prepareQuery(...args: unknown[]): PreparedQueryMethods;
  batch(...args: unknown[]): Promise<unknown>;
}

const rethrowTranslated = (error: unknown): never => {
  throw toDbError(error);
};

function translateFailures<T extends object>(target: T, methods: (keyof T & string)[]): T {
  for (const method of methods) {
    const original = target[method];
    if (typeof original !== 'function') {
      throw new InvariantError(
        `drizzle-orm changed: no ${method}() to translate database failures`,
      );
    }
    const bound = (original as (...args: unknown[]) => Promise<unknown>).bind(target);
    Object.assign(target, {
      [method]: (...args: unknown[]) => bound(...args).catch(rethrowTranslated),
    });
  }
  return target;
}

export function createDb(config: Config): Db {
  const fetchOptions: TraceOptions = {
    timeoutMs: config.storeTimeoutMs,
    endpoint: config.neonFetchEndpoint,
  };
  const sql = neon(config.databaseUrl, { fetchOptions });
  const db = drizzle({ client: sql, schema });
  // `session` is drizzle-internal (hidden from its types): see SessionMethods above.
  const { session } = db as unknown as { session: SessionMethods };
  if (typeof session?.prepareQuery !== 'function') {
    throw new InvariantError(
      'drizzle-orm changed: no session.prepareQuery() to translate failures',
    );
  }
  const prepareQuery = session.prepareQuery.bind(session);
  session.prepareQuery = (...args) =>
    translateFailures(prepareQuery(...args), ['execute', 'all', 'values']);
  translateFailures(session, ['batch']);
  return db;
}
