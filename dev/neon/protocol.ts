// Neon's HTTP SQL protocol as @neondatabase/serverless 1.x speaks it (see `execute` in its
// index.mjs): request validation, result encoding, and errors in the shape the client copies.
import { type BridgeRequest, type BridgeResponse, json } from '../bridge.ts';
import {
  isIsolationLevel,
  type SqlParam,
  type SqlResult,
  type Statement,
  type TransactionMode,
} from './backend.ts';

export type SqlRequest =
  | { batch: false; statement: Statement; arrayMode: boolean }
  /** `{queries: [...]}`: one transaction, answered with `{results: [...]}`. */
  | { batch: true; statements: Statement[]; mode: TransactionMode; arrayMode: boolean };

export type ParsedRequest =
  { ok: true; request: SqlRequest } | { ok: false; response: BridgeResponse };

/** The fields NeonDbError copies from a 400 body (its `hi` list), besides `message`. */
const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

class BadRequest extends Error {}

const fail = (status: number, message: string, headers?: Record<string, string>) =>
  ({ ok: false, response: json(status, { message }, headers) }) as const;

function toParam(value: unknown, where: string): SqlParam {
  if (value === null || typeof value === 'string') return value;
  // The client sends text, but a hand-written request may carry JSON scalars.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new BadRequest(`${where}: parameters must be strings or null`);
}

function toStatement(value: unknown, where: string): Statement {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequest(`${where} must be an object {query, params}`);
  }
  const { query, params = [] } = value as { query?: unknown; params?: unknown };
  if (typeof query !== 'string') throw new BadRequest(`${where}.query must be a string`);
  if (!Array.isArray(params)) throw new BadRequest(`${where}.params must be an array`);
  return { query, params: params.map((p, i) => toParam(p, `${where}.params[${i}]`)) };
}

function booleanHeader(headers: BridgeRequest['headers'], name: string): boolean | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new BadRequest(`${name} must be true or false, got "${value}"`);
}

function transactionMode(headers: BridgeRequest['headers']): TransactionMode {
  const mode: TransactionMode = {};
  const level = headers['neon-batch-isolation-level'];
  if (level !== undefined) {
    if (!isIsolationLevel(level)) {
      throw new BadRequest(
        `neon-batch-isolation-level must be ReadUncommitted, ReadCommitted, RepeatableRead ` +
          `or Serializable, got "${level}"`,
      );
    }
    mode.isolationLevel = level;
  }
  const readOnly = booleanHeader(headers, 'neon-batch-read-only');
  if (readOnly !== undefined) mode.readOnly = readOnly;
  const deferrable = booleanHeader(headers, 'neon-batch-deferrable');
  if (deferrable !== undefined) mode.deferrable = deferrable;
  return mode;
}

export function parseSqlRequest(req: BridgeRequest): ParsedRequest {
  if (req.path !== '/sql') return fail(404, `the Neon bridge serves POST /sql, not ${req.path}`);
  if (req.method !== 'POST') return fail(405, 'use POST /sql', { allow: 'POST' });
  if (!req.headers['neon-connection-string']) {
    return fail(400, 'missing Neon-Connection-String header');
  }
  if (req.headers['neon-raw-text-output'] !== 'true') {
    // Neon would answer with JSON-typed values; the client never asks for that, so neither do we.
    return fail(400, 'the local bridge only serves Neon-Raw-Text-Output: true');
  }
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    return fail(400, 'body must be JSON: {query, params} or {queries: [...]}');
  }
  try {
    const arrayMode = req.headers['neon-array-mode'] === 'true';
    const queries = (body as { queries?: unknown } | null)?.queries;
    if (queries === undefined) {
      return {
        ok: true,
        request: { batch: false, statement: toStatement(body, 'body'), arrayMode },
      };
    }
    if (!Array.isArray(queries)) throw new BadRequest('body.queries must be an array');
    const statements = queries.map((q, i) => toStatement(q, `body.queries[${i}]`));
    return {
      ok: true,
      request: { batch: true, statements, mode: transactionMode(req.headers), arrayMode },
    };
  } catch (error) {
    if (error instanceof BadRequest) return fail(400, error.message);
    throw error;
  }
}

export function encodeResult(result: SqlResult, arrayMode: boolean) {
  const names = result.fields.map((field) => field.name);
  const rows = arrayMode
    ? result.rows
    : result.rows.map((row) => Object.fromEntries(row.map((value, i) => [names[i], value])));
  return { ...result, rows, rowAsArray: arrayMode };
}

/** Postgres's own errors carry a severity and a five-character SQLSTATE. */
function isPostgresError(error: unknown): error is Record<string, unknown> & Error {
  if (!(error instanceof Error)) return false;
  const { severity, code } = error as unknown as Record<string, unknown>;
  return typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

export function errorResponse(error: unknown): BridgeResponse {
  if (!isPostgresError(error)) {
    // Not the query's fault (backend down, bridge bug): the client reports HTTP 5xx as such.
    return json(500, { message: error instanceof Error ? error.message : String(error) });
  }
  const body: Record<string, unknown> = { message: error.message };
  for (const field of ERROR_FIELDS) {
    if (error[field] !== undefined) body[field] = error[field];
  }
  return json(400, body);
}
