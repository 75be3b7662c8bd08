// One request's audit trail: events are collected while the request runs, then logged (one
// JSON line each, for Workers Logs / Logpush) and written in ONE batched INSERT after the
// response has gone (ctx.waitUntil), so auditing adds no latency and no round trip to the
// request's critical path. No Hono types here: src/compose/services.ts gives each request its trail and src/compose/background.ts writes it.
import { describeCause } from '../shared/safe-cause.ts';
import {
  type AuditEvent,
  type AuditEventType,
  type AuditRecorder,
  scrubDetails,
} from './events.ts';
import type { AuditSink, NewAuditEventRecord } from './store.ts';

/** Who made the request the events belong to. */
export interface AuditOrigin {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Hard cap per request, so a bug in a loop cannot grow one INSERT without bound. */
const MAX_EVENTS = 50;

export class AuditTrail implements AuditRecorder {
  private readonly pending: NewAuditEventRecord[] = [];

  private readonly origin: AuditOrigin;

  constructor(origin: AuditOrigin) {
    this.origin = origin;
  }

  record<T extends AuditEventType>(event: AuditEvent<T>): void {
    if (this.pending.length >= MAX_EVENTS) return;
    this.pending.push(auditRow(event, this.origin, new Date()));
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * Logs every pending event and writes them all in one INSERT. Never throws: a failed write
   * is logged (the log lines above it still hold the events) and the response is long gone.
   */
  async flush(sink: AuditSink): Promise<void> {
    const rows = this.pending.splice(0);
    if (rows.length === 0) return;
    for (const row of rows) console.log(auditLogLine(row));
    try {
      await sink.append(rows);
    } catch (error) {
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'audit write failed',
          request_id: this.origin.requestId,
          types: rows.map((row) => row.type),
          cause: describeCause(error),
        }),
      );
    }
  }
}

/** The row of one event: typed details, scrubbed once more; empty origin fields become NULL. */
export function auditRow<T extends AuditEventType>(
  event: AuditEvent<T>,
  origin: AuditOrigin,
  at: Date,
): NewAuditEventRecord {
  return {
    at,
    type: event.type,
    // user_id is a uuid column: anything else would fail the whole batch, so it becomes NULL.
    userId: event.userId && UUID.test(event.userId) ? event.userId : null,
    sessionId: event.sessionId || null,
    ip: origin.ip || null,
    userAgent: origin.userAgent || null,
    requestId: origin.requestId || null,
    details: scrubDetails(event.details),
  };
}

/** An event as the log line and the admin API show it: snake_case, the time in ISO 8601. */
export function auditEventJson(row: NewAuditEventRecord) {
  return {
    at: row.at.toISOString(),
    type: row.type,
    user_id: row.userId,
    session_id: row.sessionId,
    ip: row.ip,
    user_agent: row.userAgent,
    request_id: row.requestId,
    details: row.details,
  };
}

/** The one JSON log line of an event; same fields as the row. */
export function auditLogLine(row: NewAuditEventRecord): string {
  return JSON.stringify({ level: 'info', msg: 'audit', ...auditEventJson(row) });
}
