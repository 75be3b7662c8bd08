// The composition root: the one module that turns a request's config and stores into the
// domain services its route calls. The HTTP layer builds one `Services` per request
// (src/http/request-context.ts, as `c.var.services`); the cron handler builds its own the same
// way, and the Node CLIs theirs with src/compose/tool-services.ts over their own clients.
// Nothing outside src/compose creates a store adapter.
//
// Every member is built on first use and kept for the request, so a request that needs neither
// store (JWKS on a warm cache, /openapi.json) opens no client at all, and one that asks for the
// token service twice builds it once.
import { emailLimiterKey } from '../abuse/email-key.ts';
import { retryAfterSeconds } from '../abuse/limiters.ts';
import type { AuditRecorder } from '../audit/events.ts';
import type { AuditEventStore } from '../audit/store.ts';
import type { AuditTrail } from '../audit/trail.ts';
import type { LoginBackoffStore } from '../abuse/login-backoff.ts';
import type { LifecycleDeps } from '../auth/account-lifecycle.ts';
import type { AccountDeps } from '../auth/accounts.ts';
import type { KeyContext } from '../auth/keys/service.ts';
import type { KeySetVersionCounter } from '../auth/keys/store.ts';
import {
  createLoginGuard,
  type LoginGuardOptions,
  type RateLimitedLoginGuard,
} from '../auth/login-guard.ts';
import { oneTimeTokens } from '../auth/one-time-tokens.ts';
import type { SessionStore } from '../auth/session-store.ts';
import type { TokenDeps } from '../auth/token-pair.ts';
import type { UserAdminDeps } from '../auth/user-admin.ts';
import type { EndedSession, UserSessionStore } from '../auth/user-session-sweeps.ts';
import type { UserStore } from '../auth/users.ts';
import type { Config } from '../config/index.ts';
import { createOutbox, type Outbox } from '../email/outbox.ts';
import type { AuthorizationCodeStore } from '../oauth/authorization-codes.ts';
import { deliverBackchannelLogout } from '../oauth/backchannel-logout.ts';
import { type ClientAdmin, createClientAdmin } from '../oauth/client-admin.ts';
import { clientPolicy, type OAuthClientStore } from '../oauth/clients.ts';
import type { ConsentDeps } from '../oauth/consents.ts';
import type { RevocationDeps } from '../oauth/revocations.ts';
import { RequestTrace } from '../shared/trace.ts';
import { fetchLogoutTokenPoster } from '../mailers/backchannel-post.ts';
import { mailerFor } from '../mailers/index.ts';
import { drizzleAuditStore } from '../store/audit-events.ts';
import { redisLoginBackoffStore } from '../store/login-backoff.ts';
import { upstashRateLimiter } from '../store/rate-limiters.ts';
import { redisAuthorizationCodeStore } from '../store/authorization-codes.ts';
import { checkStores, type StoreHealth } from '../store/health.ts';
import { createStores, type Stores } from '../store/index.ts';
import { traced } from '../store/trace-scope.ts';
import { redisKeySetVersionCounter } from '../store/key-set-version.ts';
import { drizzleOneTimeTokenStore, purgeExpiredOneTimeTokens } from '../store/one-time-tokens.ts';
import { drizzleOAuthClientStore } from '../store/oauth-clients.ts';
import { drizzleConsentStore } from '../store/oauth-consents.ts';
import { redisRevocationCache } from '../store/revocation-cache.ts';
import { drizzleRevokedTokenLedger, purgeExpiredRevocations } from '../store/revoked-tokens.ts';
import { redisSessionStore } from '../store/session-store.ts';
import { redisRevocationFeedStore } from '../store/revocation-feed.ts';
import { revocationRecorder, type RevocationFeedStore } from '../auth/revocation-feed.ts';
import {
  feedRecordingRevocationCache,
  feedRecordingSessions,
  feedRecordingUserSessions,
  scriptsBatched,
} from './revocation-feed.ts';
import { redisUserSessionStore } from '../store/user-session-sweeps.ts';
import { drizzleUserAdminStore, drizzleUserStore } from '../store/users.ts';
import { auditSink, later, newTrail } from './background.ts';
import { keyContext } from './key-context.ts';
import { type RateLimits, rateLimits } from './rate-limits.ts';
import type { ClientInfo, KeepAlive, RequestScope } from './request-scope.ts';

export interface Services {
  readonly config: Config;
  readonly requestId: string;
  /** Who is asking: the client address and user agent. */
  readonly client: ClientInfo;
  /** Keeps work alive after the response (ctx.waitUntil): the one way work outlives it. */
  readonly keepAlive: KeepAlive;
  /** Time spent in each store, for Server-Timing; carries the request id to the stores. */
  readonly trace: RequestTrace;
  /** The request's audit trail; written after the response by `flushAudit()`. */
  readonly audit: AuditTrail;
  readonly tokens: TokenDeps;
  readonly accounts: AccountDeps;
  readonly lifecycle: LifecycleDeps;
  readonly userAdmin: UserAdminDeps;
  readonly userSessions: UserSessionStore;
  readonly sessions: SessionStore;
  readonly revocations: RevocationDeps;
  /** The revocation feed downstream verifiers follow (src/auth/revocation-feed.ts). */
  readonly revocationFeed: RevocationFeedStore;
  readonly keys: KeyContext;
  /** The key-set version isolates compare before they sign (bumped by an emergency rotation). */
  readonly keySetVersion: KeySetVersionCounter;
  readonly users: UserStore;
  readonly oauthClients: OAuthClientStore;
  readonly authorizationCodes: AuthorizationCodeStore;
  /** Third-party clients' remembered consents, and what revoking one ends. */
  readonly consents: ConsentDeps;
  readonly auditEvents: AuditEventStore;
  readonly outbox: Outbox;
  readonly limits: RateLimits;
  readonly loginBackoff: LoginBackoffStore;
  /** What a password check must pass first: limits, backoff, Turnstile (src/auth/login-guard.ts). */
  loginGuard(
    email: string,
    turnstileToken: string | undefined,
    options?: LoginGuardOptions,
  ): RateLimitedLoginGuard;
  /**
   * OIDC Back-Channel Logout for sessions of `uid` that just ended: call it with what
   * `userSessions.endBrowserSession` / `endClientSessions` returned (end-session, a revoked
   * consent); `revokeAll` calls it by itself. A logout token goes to each affected client with
   * a backchannel_logout_uri, POSTed after the response with bounded retries, each delivery
   * audited (src/oauth/backchannel-logout.ts). Returns at once.
   */
  notifyLoggedOut(uid: string, ended: EndedSession[]): void;
  /** OAuth client administration (the admin API's, or the console's), acting as `actor`. */
  clientAdmin(
    actor: { userId: string; sessionId: string },
    source?: 'api' | 'console',
  ): ClientAdmin;
  /** The cron's purges of rows that can no longer matter. */
  readonly housekeeping: Housekeeping;
  /** One cheap call to each store, in parallel. */
  health(): Promise<{ db: StoreHealth; redis: StoreHealth }>;
  /** Writes the request's audit trail after the response (nothing when it is empty). */
  flushAudit(): void;
  /**
   * Runs the request's work with its store calls attributed to it (timing, request id), and
   * so does the work it leaves to `keepAlive`.
   */
  run<T>(work: () => T): T;
}

export interface Housekeeping {
  /** Deletes one-time tokens expired before `now`; how many went. */
  purgeOneTimeTokens(now: Date): Promise<number>;
  /** Deletes revocations of tokens that expired before `before`; how many went. */
  purgeRevocations(before: Date): Promise<number>;
}

/** OIDC Back-Channel Logout: how long one POST to a receiver may take (each of 3 attempts). */
const BACKCHANNEL_TIMEOUT_MS = 5_000;

export function createServices(scope: RequestScope): Services {
  const { config, requestId } = scope;
  const trace = new RequestTrace(requestId);
  const stores: Stores = createStores(config);
  const prefix = config.redis.keyPrefix;
  const once = memo();
  const feedRecorder = () =>
    once('feedRecorder', () => revocationRecorder(services.revocationFeed, config));

  const services: Services = {
    config,
    requestId,
    client: scope.client,
    keepAlive: scope.keepAlive,
    trace,
    get audit() {
      return once('audit', () => newTrail(scope));
    },
    get users() {
      return once('users', () => drizzleUserStore(stores.db));
    },
    get sessions() {
      return once('sessions', () =>
        feedRecordingSessions(
          redisSessionStore(stores.redis, prefix),
          redisSessionStore(scriptsBatched(stores.redis, stores.limiterRedis), prefix),
          feedRecorder(),
        ),
      );
    },
    get userSessions() {
      return once('userSessions', () =>
        feedRecordingUserSessions(
          redisUserSessionStore(stores.redis, prefix, {
            // Every user-wide sweep (logout-all, password change/reset, disable, deletion) tells
            // the clients that lost a session, as end-session does.
            sessionsEnded: (uid, ended) => services.notifyLoggedOut(uid, ended),
          }),
          feedRecorder(),
        ),
      );
    },
    get keys() {
      return once('keys', () => keyContext(config, stores.db, scope.keepAlive));
    },
    get keySetVersion() {
      return once('keySetVersion', () => redisKeySetVersionCounter(stores.redis, prefix));
    },
    get tokens() {
      return once('tokens', (): TokenDeps => ({
        config,
        sessions: services.sessions,
        keys: services.keys,
        readKeySetVersion: () => redisKeySetVersionCounter(stores.redis, prefix).read(),
      }));
    },
    get accounts() {
      return once('accounts', (): AccountDeps => ({
        config,
        users: services.users,
        trace,
        defer: scope.keepAlive,
        audit: services.audit,
      }));
    },
    get outbox() {
      return once('outbox', () =>
        createOutbox({
          mailer: mailerFor(config.email),
          defer: scope.keepAlive,
          auditSink: auditSink(scope),
          origin: {
            ip: scope.client.ip || null,
            userAgent: scope.client.userAgent || null,
            requestId,
          },
        }),
      );
    },
    get lifecycle() {
      return once('lifecycle', (): LifecycleDeps => ({
        config,
        users: services.users,
        tokens: oneTimeTokens(drizzleOneTimeTokenStore(stores.db)),
        sessions: services.userSessions,
        outbox: services.outbox,
        audit: services.audit,
        later: later(scope),
        mayMail: (email, audit) => mayMail(services, email, audit),
        trace,
      }));
    },
    get userAdmin() {
      return once('userAdmin', (): UserAdminDeps => ({
        config,
        users: services.users,
        admin: drizzleUserAdminStore(stores.db),
        sessions: services.userSessions,
      }));
    },
    get revocations() {
      return once('revocations', (): RevocationDeps => ({
        ledger: drizzleRevokedTokenLedger(stores.db),
        cache: feedRecordingRevocationCache(
          redisRevocationCache(stores.redis, prefix),
          feedRecorder(),
        ),
        clockSkew: config.clockSkew,
        // Audited (and so logged): a Redis that lost its data is an operator's emergency.
        restored: (count) =>
          services.audit.record({ type: 'revocations_restored', details: { restored: count } }),
      }));
    },
    get revocationFeed() {
      return once('revocationFeed', () =>
        redisRevocationFeedStore(scriptsBatched(stores.redis, stores.limiterRedis), prefix),
      );
    },
    get oauthClients() {
      return once('oauthClients', () => drizzleOAuthClientStore(stores.db));
    },
    get authorizationCodes() {
      return once('authorizationCodes', () => redisAuthorizationCodeStore(stores.redis, prefix));
    },
    get consents() {
      return once('consents', (): ConsentDeps => ({
        consents: drizzleConsentStore(stores.db),
        sessions: services.userSessions,
      }));
    },
    get auditEvents() {
      // Reads on the request's own (critical-path) client: the admin API's audit query.
      return once('auditEvents', () => drizzleAuditStore(stores.db));
    },
    get limits() {
      return once('limits', () =>
        rateLimits(requestId, upstashRateLimiter(stores.limiterRedis, config)),
      );
    },
    get loginBackoff() {
      return once('loginBackoff', () => redisLoginBackoffStore(stores));
    },
    get housekeeping() {
      return once('housekeeping', (): Housekeeping => ({
        purgeOneTimeTokens: (now) => purgeExpiredOneTimeTokens(stores.db, now),
        purgeRevocations: (before) => purgeExpiredRevocations(stores.db, before),
      }));
    },
    loginGuard: (email, turnstileToken, options) =>
      createLoginGuard(
        {
          config,
          ip: scope.client.ip,
          requestId,
          limits: services.limits,
          backoff: services.loginBackoff,
          audit: services.audit,
          keepAlive: scope.keepAlive,
        },
        email,
        turnstileToken,
        options,
      ),
    notifyLoggedOut(uid, ended) {
      if (!ended.some((session) => session.clientId)) return;
      later(scope)('back-channel logout', (audit) =>
        deliverBackchannelLogout(
          {
            issuer: config.issuer,
            keys: services.keys,
            clients: services.oauthClients,
            poster: fetchLogoutTokenPoster(BACKCHANNEL_TIMEOUT_MS),
            audit,
          },
          uid,
          ended,
        ),
      );
    },
    clientAdmin: (actor, source = 'api') =>
      createClientAdmin({
        clients: services.oauthClients,
        audit: services.audit,
        policy: clientPolicy(config),
        source,
        actor,
      }),
    health: () => checkStores(stores),
    run: (work) => traced(trace, work),
    flushAudit() {
      const trail = once.peek<AuditTrail>('audit');
      if (trail && trail.size > 0) scope.keepAlive(trail.flush(auditSink(scope)));
    },
  };
  return services;
}

/**
 * The per-recipient mail limit. Fails open (with a warning): the mail is what the address's
 * owner asked for, and the per-address request limits still stand.
 */
async function mayMail(services: Services, email: string, audit: AuditRecorder): Promise<boolean> {
  const key = await emailLimiterKey(services.config.keys.ring, email);
  const outcome = await services.limits.consumeOpen('mail_recipient', key);
  if (!outcome || outcome.allowed) return true;
  audit.record({
    type: 'rate_limited',
    details: { limiter: 'mail_recipient', retry_after: retryAfterSeconds(outcome, Date.now()) },
  });
  return false;
}

/** A per-request cache of built members, keyed by name. */
function memo() {
  const built = new Map<string, unknown>();
  const once = <T>(name: string, build: () => T): T => {
    if (!built.has(name)) built.set(name, build());
    return built.get(name) as T;
  };
  once.peek = <T>(name: string): T | undefined => built.get(name) as T | undefined;
  return once;
}
