// The frame of every admin console page (/admin): the hosted pages' layout, wide, with the
// console's navigation on top and a few extra styles for its forms (textareas, checkboxes).
// Server-rendered, no scripts: every action is a small POST form carrying the CSRF token.
import type { Child, FC } from 'hono/jsx';
import { raw } from 'hono/html';
import { Layout } from '../layout.tsx';

const STYLE = `
nav.admin { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: -.75rem 0 1.5rem;
  padding-bottom: .75rem; border-bottom: 1px solid var(--line); }
nav.admin a[aria-current=page] { font-weight: 700; color: var(--ink); text-decoration: none; }
textarea, select, input[type=url], input[type=number] { width: 100%; font: inherit;
  padding: .55rem .7rem; border: 1px solid #8a8f98; border-radius: 6px; background: #fff; }
textarea { min-height: 4.5rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; padding: .5rem .9rem; }
legend { font-weight: 600; padding: 0 .25rem; }
label.check { display: flex; gap: .5rem; align-items: baseline; font-weight: 400; }
.secret { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere;
  background: #fffbe6; border: 1px solid #e6c200; padding: .6rem .8rem; border-radius: 6px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem;
  overflow-wrap: anywhere; }
form.search { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; margin-bottom: 1rem; }
form.search .field { margin: 0; flex: 1 1 12rem; }
.tag.off { background: #fde8e8; color: var(--danger); }
`;

export type AdminSection = 'home' | 'users' | 'clients' | 'keys' | 'audit';

const SECTIONS: [AdminSection, string, string][] = [
  ['home', '/admin', 'Overview'],
  ['users', '/admin/users', 'Users'],
  ['clients', '/admin/clients', 'OAuth clients'],
  ['keys', '/admin/keys', 'Signing keys'],
  ['audit', '/admin/audit', 'Audit log'],
];

export const AdminFrame: FC<{ title: string; section: AdminSection; children?: Child }> = ({
  title,
  section,
  children,
}) => (
  <Layout title={title} wide>
    <style>{raw(STYLE)}</style>
    <nav class="admin" aria-label="Admin console">
      {SECTIONS.map(([name, href, label]) => (
        <a href={href} aria-current={name === section ? 'page' : undefined}>
          {label}
        </a>
      ))}
      <a href="/account">Your account</a>
    </nav>
    {children}
  </Layout>
);

/** "2025-06-01 14:03:07 UTC": unambiguous, and the same on every server. */
export const when = (date: Date) => `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

export const Time: FC<{ at: Date | null | undefined }> = ({ at }) =>
  at ? <time datetime={at.toISOString()}>{when(at)}</time> : <span class="muted">-</span>;

/** A notice after an action ("User disabled: 2 sessions ended."), announced politely. */
export const Notice: FC<{ message?: string | undefined }> = ({ message }) =>
  message ? (
    <p class="notice" role="status">
      {message}
    </p>
  ) : null;

/** A console table: scrolls sideways on a narrow screen, says what it lists, one row a thing. */
export const DataTable: FC<{ caption: Child; columns: string[]; children?: Child }> = ({
  caption,
  columns,
  children,
}) => (
  <div class="table-wrap">
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th scope="col">{column}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
);
