// The account backoff's scripts (src/abuse/login-backoff.ts) bound to the request's clients:
// the reservation on the auto-pipelined client, so it travels in the same Redis request as the
// login's two rate limiters; the verdicts on the plain one.
import {
  backoffReady,
  type BackoffState,
  recordLoginFailure,
  recordLoginSuccess,
  releaseAttempt,
  type Reservation,
  reserveAttempt,
} from '../abuse/login-backoff.ts';
import type { AbuseConfig } from '../config/abuse.ts';
import type { Stores } from '../store/index.ts';

type Backoff = AbuseConfig['backoff'];

export interface LoginBackoffPort {
  /** Resolves once the reserve script's hash is known; `reserve` then issues in one tick. */
  ready(): Promise<string>;
  reserve(
    sha: string,
    key: string,
    settings: Backoff,
    options: { now: number; pendingTtlMs: number },
  ): Promise<Reservation>;
  release(key: string, attemptId: string): Promise<void>;
  recordFailure(
    key: string,
    attemptId: string,
    settings: Backoff,
    now: number,
  ): Promise<BackoffState>;
  recordSuccess(key: string, attemptId: string): Promise<void>;
}

export const loginBackoffPort = (stores: Stores): LoginBackoffPort => ({
  ready: backoffReady,
  reserve: (sha, key, settings, options) =>
    reserveAttempt(stores.limiterRedis, sha, key, settings, options),
  release: (key, attemptId) => releaseAttempt(stores.redis, key, attemptId),
  recordFailure: (key, attemptId, settings, now) =>
    recordLoginFailure(stores.redis, key, attemptId, settings, now),
  recordSuccess: (key, attemptId) => recordLoginSuccess(stores.redis, key, attemptId),
});
