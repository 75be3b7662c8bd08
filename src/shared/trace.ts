// Per-request record of time spent in each backing store. Store adapters add to it on every
// round trip; the Server-Timing middleware renders it. It also carries the request id that
// adapters forward to the stores, so the local stack can count round trips per request.

export type TracedStore = 'db' | 'redis';

export class RequestTrace {
  readonly requestId: string;
  private readonly spent = new Map<string, { ms: number; count: number }>();

  constructor(requestId: string) {
    this.requestId = requestId;
  }

  record(metric: TracedStore | 'crypto' | 'hash', ms: number): void {
    const entry = this.spent.get(metric) ?? { ms: 0, count: 0 };
    entry.ms += ms;
    entry.count += 1;
    this.spent.set(metric, entry);
  }

  /** Times `work` under `metric`, whether it resolves or throws. */
  async time<T>(metric: TracedStore | 'crypto' | 'hash', work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.record(metric, performance.now() - started);
    }
  }

  /** Entries for Server-Timing: every metric seen, with total milliseconds and call count. */
  entries(): { metric: string; ms: number; count: number }[] {
    return [...this.spent].map(([metric, { ms, count }]) => ({ metric, ms, count }));
  }
}

/** Header the worker adds to every store request; the local stack counts by it. */
export const REQUEST_ID_HEADER = 'x-request-id';
