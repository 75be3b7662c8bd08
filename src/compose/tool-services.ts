// The composition root of the Node command-line tools (scripts/: npm run keys, user, client):
// what createServices (./services.ts) is to a request, this is to a tool. It builds the
// Worker's own store adapters and domain services on the tool's handles: its Postgres (a
// node-postgres or neon-http drizzle, dev/db-client.ts) and its Redis (the Node build of
// @upstash/redis, over REST). Scripts import domain functions and this module, no adapter.
//
// Every member is built on first use, and the Redis handle is asked for only then: a command
// that never touches Redis (npm run user -- create, npm run client) needs no Redis settings.
import type { AuditRecorder } from '../audit/events.ts';
import type { AuditEventStore } from '../audit/store.ts';
import type { KeyContext } from '../auth/keys/service.ts';
import type { KeySetVersionCounter } from '../auth/keys/store.ts';
import type { UserAdminDeps } from '../auth/user-admin.ts';
import type { UserSessionStore } from '../auth/user-session-sweeps.ts';
import type { UserStore } from '../auth/users.ts';
import type { Config } from '../config/index.ts';
import { type ClientAdmin, createClientAdmin } from '../oauth/client-admin.ts';
import { clientPolicy } from '../oauth/clients.ts';
import { drizzleAuditStore } from '../store/audit-events.ts';
import type { Db } from '../store/db.ts';
import type { Redis } from '../store/index.ts';
import { keySetVersionKey, redisKeySetVersionCounter } from '../store/key-set-version.ts';
import { drizzleOAuthClientStore } from '../store/oauth-clients.ts';
import { redisUserSessionStore } from '../store/user-session-sweeps.ts';
import { drizzleUserAdminStore, drizzleUserStore } from '../store/users.ts';
import { keyContext } from './key-context.ts';
import { revocationRecorder } from '../auth/revocation-feed.ts';
import { redisRevocationFeedStore } from '../store/revocation-feed.ts';
import { feedRecordingUserSessions } from './revocation-feed.ts';

/** The commands a tool's Redis must answer: those of the key-set counter and session sweeps. */
export type ToolRedis = Pick<Redis, 'incr' | 'get' | 'pipeline' | 'evalsha' | 'eval' | 'zrange'>;

export interface ToolHandles {
  db: Db;
  /** The tool's Redis, opened on first use (it may refuse: e.g. settings missing). */
  redis(): ToolRedis;
}

export interface ToolServices {
  readonly config: Config;
  readonly users: UserStore;
  /** The admin API's account changes (src/auth/user-admin.ts); Redis only once a sweep runs. */
  readonly userAdmin: UserAdminDeps;
  readonly userSessions: UserSessionStore;
  /** Where a tool writes its audit rows (and could read them back). */
  readonly auditEvents: AuditEventStore;
  readonly keys: KeyContext;
  /** The Worker's key-set version: isolates compare it before they sign. */
  readonly keySetVersion: KeySetVersionCounter;
  /** The Redis key of that counter, for messages. */
  readonly keySetVersionKey: string;
  /** OAuth client administration (src/oauth/client-admin.ts), its events recorded as the CLI's. */
  clientAdmin(audit: AuditRecorder): ClientAdmin;
}

export function createToolServices(config: Config, handles: ToolHandles): ToolServices {
  const { db } = handles;
  const prefix = config.redis.keyPrefix;
  const built = new Map<string, unknown>();
  const once = <T>(name: string, build: () => T): T => {
    if (!built.has(name)) built.set(name, build());
    return built.get(name) as T;
  };

  const services: ToolServices = {
    config,
    get users() {
      return once('users', () => drizzleUserStore(db));
    },
    get userAdmin() {
      return once('userAdmin', (): UserAdminDeps => ({
        config,
        users: services.users,
        admin: drizzleUserAdminStore(db),
        get sessions() {
          return services.userSessions;
        },
      }));
    },
    get userSessions() {
      // The CLI's sweeps (disable, delete) reach downstream verifiers like the API's.
      return once('userSessions', () =>
        feedRecordingUserSessions(
          redisUserSessionStore(handles.redis(), prefix),
          revocationRecorder(redisRevocationFeedStore(handles.redis(), prefix), config),
        ),
      );
    },
    get auditEvents() {
      return once('auditEvents', () => drizzleAuditStore(db));
    },
    get keys() {
      return once('keys', () => keyContext(config, db));
    },
    get keySetVersion() {
      return once('keySetVersion', () => redisKeySetVersionCounter(handles.redis(), prefix));
    },
    keySetVersionKey: keySetVersionKey(prefix),
    clientAdmin: (audit) =>
      createClientAdmin({
        clients: drizzleOAuthClientStore(db),
        audit,
        policy: clientPolicy(config),
        source: 'cli',
      }),
  };
  return services;
}
