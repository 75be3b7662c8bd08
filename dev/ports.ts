// `npm run dev` checks its ports before it starts anything, so a taken one is one line naming
// the port and the variable that moves it, not an EADDRINUSE stack trace from deep inside the
// stack's listen() or wrangler's.
import { createServer } from 'node:net';

export interface WantedPort {
  port: number;
  /** What listens there, e.g. "the worker". */
  what: string;
  /** The environment variable that moves it, e.g. PORT. */
  variable: string;
}

/** Resolves true when `port` can be bound on `host` now (it is released again at once). */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The one-line message for a port that is taken. */
export function portTakenMessage(wanted: WantedPort): string {
  return (
    `port ${wanted.port} (${wanted.what}) is already in use: stop what listens there, ` +
    `or move it, e.g. ${wanted.variable}=${wanted.port + 10} npm run dev`
  );
}

/** The message for the first wanted port that is taken, or undefined when all are free. */
export async function firstTakenPort(ports: readonly WantedPort[]): Promise<string | undefined> {
  for (const wanted of ports) {
    if (!(await portIsFree(wanted.port))) return portTakenMessage(wanted);
  }
  return undefined;
}

/** A port number from the environment, or a one-line complaint naming the variable. */
export function portFrom(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new RangeError(`${variable} must be a port number (1-65535), got "${raw}"`);
  }
  return port;
}
