// Fault injection for the tests: a store endpoint that fails the way a real one can, with the
// worst possible error text, the request itself echoed back (a statement and its parameters,
// a command and its arguments), so a test can assert that no log line ever repeats it.
//
//   /__fault/<status>[/anything]?code=<SQLSTATE>&constraint=<name>
//
// answers <status> with {message, error, detail, code?, constraint?}: Neon's error shape (its
// client copies code, constraint and detail onto NeonDbError; a 400 is a statement error, a
// 5xx the endpoint's own failure) and Upstash's ({"error": "..."}). Point NEON_FETCH_ENDPOINT
// or UPSTASH_REDIS_REST_URL at it in an env override.
import { type BridgeRequest, type BridgeResponse, json } from './bridge.ts';

/** Prefixes the echoed request in every fault reply. */
export const FAULT_ECHO_MARKER = 'ECHOED-REQUEST>>';

const FAULT_PATH = /^\/__fault\/(\d{3})(?:\/|$)/;

export function fault(req: BridgeRequest, query: URLSearchParams): BridgeResponse | undefined {
  const match = FAULT_PATH.exec(req.path);
  if (!match) return undefined;
  const echo = `${FAULT_ECHO_MARKER}${req.body}`;
  const body: Record<string, unknown> = {
    message: `simulated failure; ${echo}`,
    error: `ERR simulated failure; ${echo}`,
    detail: `Key (params)=(${echo}) already exists.`,
  };
  for (const field of ['code', 'constraint']) {
    const value = query.get(field);
    if (value) body[field] = value;
  }
  return json(Number(match[1]), body);
}
