// Contracts shared by the local stack's pieces: the HTTP shape a bridge answers, and the
// per-request counters that tests and benchmarks read from GET /__stats.

export interface BridgeRequest {
  method: string;
  /** Path without the query string, e.g. "/sql", "/pipeline". */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: string;
  /** The worker's request id (x-request-id header), used to attribute counts. */
  requestId: string | undefined;
}

export interface BridgeResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export type Store = 'sql' | 'redis';

/** What a bridge reports for one HTTP round trip it served. */
export interface RoundTrip {
  store: Store;
  requestId: string | undefined;
  /** SQL statements (Neon) or Redis commands (Upstash) carried by this round trip. */
  units: number;
}

export type RecordRoundTrip = (trip: RoundTrip) => void;

export const json = (
  status: number,
  value: unknown,
  headers?: Record<string, string>,
): BridgeResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});
