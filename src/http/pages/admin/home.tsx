// The console's front page: where each section is, and who is signed in.
import type { FC } from 'hono/jsx';
import { AdminFrame } from './frame.tsx';

export const AdminHomePage: FC<{ email: string }> = ({ email }) => (
  <AdminFrame title="Admin console" section="home">
    <p>
      Signed in as <strong>{email}</strong>. Every action here is recorded in the audit log, as the
      same action through the admin API is.
    </p>
    <ul>
      <li>
        <a href="/admin/users">Users</a>: search, roles, sessions, disable, delete.
      </li>
      <li>
        <a href="/admin/clients">OAuth clients</a>: register, rotate a secret, delete.
      </li>
      <li>
        <a href="/admin/keys">Signing keys</a>: states, scheduled and emergency rotation.
      </li>
      <li>
        <a href="/admin/audit">Audit log</a>: every event, filtered.
      </li>
    </ul>
  </AdminFrame>
);
