// Round trips and units (SQL statements, Redis commands) per worker request, keyed by the
// request id the worker forwards. Bounded: the oldest request ids are forgotten first.
import type { RoundTrip } from './bridge.ts';

export interface StoreCounts {
  roundTrips: number;
  /** SQL statements for `sql`, Redis commands for `redis`. */
  units: number;
}

export interface RequestCounts {
  sql: StoreCounts;
  redis: StoreCounts;
}

const empty = (): RequestCounts => ({
  sql: { roundTrips: 0, units: 0 },
  redis: { roundTrips: 0, units: 0 },
});

export class RoundTripStats {
  private readonly byRequest = new Map<string, RequestCounts>();
  private readonly totals = empty();

  private readonly capacity: number;

  constructor(capacity = 50_000) {
    this.capacity = capacity;
  }

  record = (trip: RoundTrip): void => {
    this.add(this.totals, trip);
    if (!trip.requestId) return;
    let counts = this.byRequest.get(trip.requestId);
    if (!counts) {
      if (this.byRequest.size >= this.capacity) {
        const oldest = this.byRequest.keys().next().value;
        if (oldest !== undefined) this.byRequest.delete(oldest);
      }
      counts = empty();
      this.byRequest.set(trip.requestId, counts);
    }
    this.add(counts, trip);
  };

  forRequest(requestId: string): RequestCounts {
    return this.byRequest.get(requestId) ?? empty();
  }

  total(): RequestCounts {
    return structuredClone(this.totals);
  }

  private add(counts: RequestCounts, trip: RoundTrip): void {
    counts[trip.store].roundTrips += 1;
    counts[trip.store].units += trip.units;
  }
}
