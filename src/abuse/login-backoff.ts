// Per-account exponential backoff against credential stuffing, without a lockout an attacker
// could use against the owner. After LOGIN_BACKOFF_AFTER consecutive failures the account's
// next attempt must wait BASE * 2^(failures - AFTER), at most MAX; attempts inside the wait are
// refused WITHOUT checking the password (so guesses cost the attacker time, not us CPU) and do
// not extend it. The owner is delayed, never locked out: once the wait passes, the right
// password works and resets the count. The key is the normalised email's HMAC, so an address
// with no account backs off exactly like one with an account (no enumeration by throttling).
import type { AbuseConfig } from '../config/abuse.ts';

/** Failures are forgotten after a quiet day. */
const FAILURES_TTL_SECONDS = 24 * 3600;

// An attempt is counted BEFORE its password is checked (reserved, "pending"), because checking
// first and counting after let N parallel guesses all see the same count and all be checked
// (issue 13: ten parallel wrong passwords got 401 x10). The reservation is a hash field
// `p:<attempt id>` whose value is its expiry: an attempt that crashes between reservation and
// verdict stops counting after PENDING_TTL instead of holding the account's budget forever.
//
// The counting is atomic in the store (src/store/login-backoff.ts runs it as Redis scripts).

export interface BackoffState {
  failures: number;
  /** Unix ms before which the account's attempts are refused; 0 when none is pending. */
  blockedUntil: number;
}

/** What the reservation saw; `admitted` false means: refuse without checking the password. */
export interface Reservation extends BackoffState {
  admitted: boolean;
  /** Attempts in flight, this one included when admitted. */
  pending: number;
  attemptId: string;
}

/** The settings of the backoff: BASE * 2^(failures - AFTER), at most MAX, after AFTER failures. */
export type BackoffSettings = AbuseConfig['backoff'];

/** What the store's reservation saw (the attempt's id is the domain's). */
export type ReservationReply = Omit<Reservation, 'attemptId'>;

/**
 * The port the backoff needs from a store; each call is one atomic step on the account's key.
 * `reserve` issues its command synchronously once `ready()` has resolved, so it travels in the
 * same round trip as the rate limiters consulted in the same tick.
 */
export interface LoginBackoffStore {
  ready(): Promise<void>;
  /**
   * Admitted while the attempts in flight fit the budget the failures leave: `after - failures`,
   * or one at a time once the account has backed off and the wait is over.
   */
  reserve(
    key: string,
    attemptId: string,
    settings: BackoffSettings,
    options: { now: number; pendingTtlMs: number; failuresTtlSeconds: number },
  ): Promise<ReservationReply>;
  /** The reserved attempt turns into a failure; from AFTER failures on, the wait starts. */
  recordFailure(
    key: string,
    attemptId: string,
    settings: BackoffSettings,
    options: { now: number; failuresTtlSeconds: number },
  ): Promise<BackoffState>;
  /** Forgets the failures and this attempt's reservation, not those of other attempts. */
  recordSuccess(key: string, attemptId: string): Promise<void>;
  /** Drops this attempt's reservation: refused before its password was checked. */
  release(key: string, attemptId: string): Promise<void>;
}

/**
 * Counts this attempt before its password is checked. A reservation in flight for longer than
 * `pendingTtlMs` (a crashed attempt) stops counting. Issued synchronously (see the port).
 */
export async function reserveAttempt(
  store: LoginBackoffStore,
  key: string,
  settings: BackoffSettings,
  options: { now: number; pendingTtlMs: number },
): Promise<Reservation> {
  const attemptId = crypto.randomUUID();
  const reply = await store.reserve(key, attemptId, settings, {
    ...options,
    failuresTtlSeconds: FAILURES_TTL_SECONDS,
  });
  return { ...reply, attemptId };
}

export function recordLoginFailure(
  store: LoginBackoffStore,
  key: string,
  attemptId: string,
  settings: BackoffSettings,
  now: number,
): Promise<BackoffState> {
  return store.recordFailure(key, attemptId, settings, {
    now,
    failuresTtlSeconds: FAILURES_TTL_SECONDS,
  });
}

export const recordLoginSuccess = (
  store: LoginBackoffStore,
  key: string,
  attemptId: string,
): Promise<void> => store.recordSuccess(key, attemptId);

export const releaseAttempt = (
  store: LoginBackoffStore,
  key: string,
  attemptId: string,
): Promise<void> => store.release(key, attemptId);

/**
 * Whether a success must write (after the response). A clean account whose only reservation
 * is this one skips the write, so a lone login costs no extra Redis request: its reservation
 * simply expires (PENDING_TTL). Any other reservation in sight (attempts in flight, or earlier
 * successes' that have not expired) and the success releases its own, so successes never pile
 * up into a budget that refuses the owner's next correct passwords: at most one stale
 * reservation remains.
 */
export function successNeedsWrite(reservation: Reservation): boolean {
  return reservation.failures > 0 || reservation.blockedUntil > 0 || reservation.pending > 1;
}
