// The audit log's storage port: what src/audit needs from the table, in its own words. The
// adapter is src/store/audit-events.ts (audit_events over Drizzle); the record types below are
// the columns of that table, checked against the schema where the adapter reads and writes it.

/** One stored event, as the admin reads it. */
export interface AuditEventRecord {
  id: number;
  at: Date;
  type: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** Typed per event in src/audit/events.ts, scrubbed of secrets before it gets here. */
  details: Record<string, unknown>;
}

/** An event to append: the store numbers it. */
export type NewAuditEventRecord = Omit<AuditEventRecord, 'id'>;

/** Where the rows go: one call, one statement, one round trip. */
export interface AuditSink {
  append(rows: NewAuditEventRecord[]): Promise<void>;
}

/** Position after the last row of a page: rows sort by (at, id) descending. */
export interface AuditCursor {
  at: Date;
  id: number;
}

export interface AuditQuery {
  userId?: string | undefined;
  type?: string | undefined;
  since?: Date | undefined;
  after?: AuditCursor | undefined;
  limit: number;
}

export interface AuditEventStore extends AuditSink {
  /** Newest first; at most `limit` rows. */
  list(query: AuditQuery): Promise<AuditEventRecord[]>;
  /** Deletes up to `limit` of the oldest rows older than `cutoff`; returns how many went. */
  purgeBatch(cutoff: Date, limit: number): Promise<number>;
}
