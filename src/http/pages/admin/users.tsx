// The console's user list: a search by email and pages in email order (a keyset cursor, as the
// admin API's), each row linking to the user's page.
import type { FC } from 'hono/jsx';
import type { UserRecord } from '../../../auth/users.ts';
import { AdminFrame, DataTable, Notice, Time } from './frame.tsx';

export interface UsersPageProps {
  users: UserRecord[];
  query: string | undefined;
  /** The link to the next page, when there is one. */
  next: string | undefined;
  /** Whether this is a later page (a link back to the first). */
  paged: boolean;
  notice?: string | undefined;
}

export const UserState: FC<{ user: UserRecord }> = ({ user }) =>
  user.disabledAt ? (
    <span class="tag off">disabled</span>
  ) : user.emailVerifiedAt ? (
    <span class="tag">active</span>
  ) : (
    <span class="tag">unverified</span>
  );

export const UsersPage: FC<UsersPageProps> = ({ users, query, next, paged, notice }) => (
  <AdminFrame title="Users" section="users">
    <Notice message={notice} />
    <form method="get" action="/admin/users" class="search" role="search">
      <div class="field">
        <label for="field-q">Email contains</label>
        <input id="field-q" name="q" type="text" value={query} maxlength={254} spellcheck={false} />
      </div>
      <button type="submit">Search</button>
    </form>
    {users.length === 0 ? (
      <p class="muted">No user matches.</p>
    ) : (
      <DataTable
        caption={<>Users by email{query ? `, matching "${query}"` : ''}.</>}
        columns={['Email', 'Name', 'Roles', 'State', 'Created']}
      >
        {users.map((user) => (
          <tr>
            <td>
              <a href={`/admin/users/${user.id}`}>{user.email}</a>
            </td>
            <td>{user.name ?? <span class="muted">-</span>}</td>
            <td>{user.roles.join(', ') || <span class="muted">none</span>}</td>
            <td>
              <UserState user={user} />
            </td>
            <td>
              <Time at={user.createdAt} />
            </td>
          </tr>
        ))}
      </DataTable>
    )}
    <div class="actions">
      {paged ? (
        <a href={`/admin/users${query ? `?q=${encodeURIComponent(query)}` : ''}`}>First page</a>
      ) : null}
      {next ? (
        <a href={next} rel="next">
          Next page
        </a>
      ) : null}
    </div>
  </AdminFrame>
);
