// The audit log in the console: filters (user, type, since) and keyset pages, newest first,
// as the admin API's GET /api/v1/admin/audit.
import type { FC } from 'hono/jsx';
import type { AuditEventRecord } from '../../../audit/store.ts';
import { Alert } from '../layout.tsx';
import { AdminFrame, DataTable, Time } from './frame.tsx';

export interface AuditFilters {
  user_id?: string | undefined;
  type?: string | undefined;
  since?: string | undefined;
  /** The page size, when not the default (kept by the page links). */
  limit?: string | undefined;
}

export interface AuditPageProps {
  events: AuditEventRecord[];
  filters: AuditFilters;
  next: string | undefined;
  paged: boolean;
  error?: string | undefined;
}

const query = (filters: AuditFilters, cursor?: string) => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  if (cursor) params.set('cursor', cursor);
  const text = params.toString();
  return `/admin/audit${text ? `?${text}` : ''}`;
};

/** The link to the page after `cursor`, with the same filters. */
export const auditLink = query;

export const AuditPage: FC<AuditPageProps> = ({ events, filters, next, paged, error }) => (
  <AdminFrame title="Audit log" section="audit">
    <form method="get" action="/admin/audit" class="search" role="search">
      <div class="field">
        <label for="field-user_id">User id</label>
        <input
          id="field-user_id"
          name="user_id"
          type="text"
          value={filters.user_id}
          spellcheck={false}
        />
      </div>
      <div class="field">
        <label for="field-type">Type</label>
        <input
          id="field-type"
          name="type"
          type="text"
          value={filters.type}
          placeholder="login_failure"
          spellcheck={false}
        />
      </div>
      <div class="field">
        <label for="field-since">Since (UTC)</label>
        <input id="field-since" name="since" type="datetime-local" value={filters.since} step={1} />
      </div>
      <button type="submit">Filter</button>
    </form>
    {error ? <Alert message={error} /> : null}
    {events.length === 0 ? (
      <p class="muted">No event matches.</p>
    ) : (
      <DataTable
        caption={'Events, newest first.'}
        columns={['At', 'Type', 'User', 'From', 'Details']}
      >
        {events.map((event) => (
          <tr>
            <td>
              <Time at={event.at} />
            </td>
            <td>
              <a href={query({ ...filters, type: event.type })}>{event.type}</a>
            </td>
            <td>
              {event.userId ? (
                // The id's first block is enough to tell rows apart; the link has it all.
                <a
                  class="mono"
                  href={query({ ...filters, user_id: event.userId })}
                  title={event.userId}
                >
                  {`${event.userId.slice(0, 8)}…`}
                </a>
              ) : (
                <span class="muted">-</span>
              )}
            </td>
            <td>
              {event.ip ?? <span class="muted">-</span>}
              {event.requestId ? <small>{event.requestId}</small> : null}
            </td>
            <td>
              <code>{JSON.stringify(event.details)}</code>
            </td>
          </tr>
        ))}
      </DataTable>
    )}
    <div class="actions">
      {paged ? <a href={query(filters)}>Newest</a> : null}
      {next ? (
        <a href={query(filters, next)} rel="next">
          Older events
        </a>
      ) : null}
    </div>
  </AdminFrame>
);
