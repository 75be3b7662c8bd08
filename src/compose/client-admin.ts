// Builds the OAuth client administration (src/oauth/client-admin.ts) over the SQL client
// store for an admin API request; src/compose/tool-client-admin.ts builds the same for the
// command line (scripts/client.ts), so the two register, rotate and delete clients, and audit
// it, the same way.
import type { Context } from 'hono';
import { type ClientAdmin, createClientAdmin } from '../oauth/client-admin.ts';
import { clientPolicy } from '../oauth/clients.ts';
import { drizzleOAuthClientStore } from '../store/oauth-clients.ts';
import type { AppEnv } from '../http/context.ts';

/** For an admin API request, acting as the signed-in administrator. */
export function clientAdminFor(
  c: Context<AppEnv>,
  actor: { userId: string; sessionId: string },
): ClientAdmin {
  return createClientAdmin({
    clients: drizzleOAuthClientStore(c.var.stores.db),
    audit: c.var.audit,
    policy: clientPolicy(c.var.config),
    source: 'api',
    actor,
  });
}
