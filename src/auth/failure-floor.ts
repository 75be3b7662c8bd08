// The earliest instant a failed login may answer. A wrong password on an imported bcrypt account
// costs bcrypt (cost 12: ~300 ms) where an unknown address costs one argon2id (~30-50 ms), and
// bcrypt's cost cannot be taken out without the password. So every failed login waits until a
// fixed time after it began (LOGIN_FAILURE_MIN_MS), chosen above the slowest path's work: the
// answer time is then the floor, whatever the path. A timer costs no CPU on Workers.
//
// The timer is started when the login begins, not computed from Date.now() at the end: on
// Workers the clock does not advance while JavaScript runs (it moves on I/O only), so "elapsed"
// measured after a CPU-bound hash would leave out the hash itself.

export interface FailureFloor {
  /** Resolves once the floor has passed since start (at once if it already has). */
  reached(): Promise<void>;
  /** The login succeeded: drop the timer. */
  cancel(): void;
}

export function startFailureFloor(ms: number): FailureFloor {
  if (ms <= 0) return { reached: () => Promise.resolve(), cancel: () => undefined };
  let resolvePassed: () => void = () => undefined;
  const passed = new Promise<void>((resolve) => (resolvePassed = resolve));
  const timer = setTimeout(resolvePassed, ms);
  return { reached: () => passed, cancel: () => clearTimeout(timer) };
}
