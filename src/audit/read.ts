// The admin's read of the audit log: newest first, keyset-paginated on (at, id) so a page costs
// one index range scan however deep the client pages, and rows written meanwhile neither
// shift nor repeat a page. The cursor is opaque to clients (base64url of the last position).
import { AuthError } from '../shared/errors.ts';
import { textFromBase64Url, textToBase64Url } from '../shared/base64url.ts';
import type { AuditCursor, AuditEventRecord, AuditEventStore } from './store.ts';

export interface AuditPageRequest {
  userId?: string | undefined;
  type?: string | undefined;
  since?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface AuditPage {
  events: AuditEventRecord[];
  nextCursor: string | null;
}

export function encodeCursor(cursor: AuditCursor): string {
  return textToBase64Url(JSON.stringify([cursor.at.getTime(), cursor.id]));
}

export function decodeCursor(raw: string): AuditCursor {
  try {
    const [ms, id] = JSON.parse(textFromBase64Url(raw) ?? '') as unknown[];
    if (Number.isSafeInteger(ms) && Number.isSafeInteger(id) && (id as number) > 0) {
      return { at: new Date(ms as number), id: id as number };
    }
  } catch {
    // Falls through to the one error below.
  }
  throw new AuthError('invalid_request', 'cursor: not a cursor this API returned');
}

export async function readAuditPage(
  store: Pick<AuditEventStore, 'list'>,
  request: AuditPageRequest,
): Promise<AuditPage> {
  const after = request.cursor ? decodeCursor(request.cursor) : undefined;
  // One row more than asked for tells whether another page exists, without a COUNT.
  const rows = await store.list({ ...request, after, limit: request.limit + 1 });
  const events = rows.slice(0, request.limit);
  const last = events.at(-1);
  const nextCursor =
    rows.length > request.limit && last ? encodeCursor({ at: last.at, id: last.id }) : null;
  return { events, nextCursor };
}
