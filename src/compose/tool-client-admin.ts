// Builds the OAuth client administration (src/oauth/client-admin.ts) for a command-line tool
// (scripts/client.ts): the admin API's service (src/compose/client-admin.ts) on the tool's
// own database handle, its events recorded as coming from the CLI.
import type { AuditRecorder } from '../audit/events.ts';
import type { Config } from '../config/index.ts';
import { type ClientAdmin, createClientAdmin } from '../oauth/client-admin.ts';
import { clientPolicy } from '../oauth/clients.ts';
import type { Db } from '../store/db.ts';
import { drizzleOAuthClientStore } from '../store/oauth-clients.ts';

/** For a command-line tool, on its own database handle; its audit events go to `audit`. */
export function toolClientAdmin(config: Config, db: Db, audit: AuditRecorder): ClientAdmin {
  return createClientAdmin({
    clients: drizzleOAuthClientStore(db),
    audit,
    policy: clientPolicy(config),
    source: 'cli',
  });
}
