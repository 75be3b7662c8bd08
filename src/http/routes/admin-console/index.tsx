// The admin console at /admin: hosted pages (Hono JSX, plain forms, no script) for the users
// with the `admin` role, over the same domain services and audit events as the admin API
// (/api/v1/admin). Signed in like /account (the hosted pages' browser session); every POST
// passes the hosted pages' form checks (origin + synchronizer token, src/http/browser/
// form-csrf.ts) before anything else; every response is no-store with the page CSP.
import { Hono } from 'hono';
import type { AppEnv } from '../../context.ts';
import { AdminHomePage } from '../../pages/admin/home.tsx';
import { adminConsoleAudit } from './audit.tsx';
import { adminConsoleClients } from './clients.tsx';
import { adminOnly, withConsoleHeaders } from './guard.tsx';
import { adminConsoleKeys } from './keys.tsx';
import { adminConsoleUsers } from './users.tsx';

export const adminConsole = withConsoleHeaders(new Hono<AppEnv>())
  .get('/admin', adminOnly(), (c) => c.html(<AdminHomePage email={c.var.admin.email} />))
  .route('/', adminConsoleUsers)
  .route('/', adminConsoleClients)
  .route('/', adminConsoleKeys)
  .route('/', adminConsoleAudit);
