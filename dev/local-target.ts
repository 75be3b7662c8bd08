// Which local stack and issuer a Node-side tool (seed, keys, user, client) works against when
// DATABASE_URL is not set. In order: the tool's environment (STACK_URL, STACK_PORT, ISSUER,
// PORT), then the record of the running `npm run dev` (.data/dev-server.json, dev/dev-record.ts),
// then the defaults `npm run dev` starts with (stack 8799, worker 8787).
import { devRecordFile, readDevRecord } from './dev-record.ts';

export interface LocalTarget {
  stackUrl: string;
  stackToken: string;
  /** The issuer the tool uses (ISSUER, or the running worker's, or the default). */
  issuer: string;
  /** The issuer of the running `npm run dev`, if one runs. */
  runningIssuer: string | undefined;
  /** Where stackUrl came from, for messages. */
  source: 'environment' | 'npm run dev' | 'default';
}

export const DEFAULT_STACK_PORT = 8799;
export const DEFAULT_WORKER_PORT = 8787;
export const DEFAULT_STACK_TOKEN = 'local-upstash-token';

export function localTarget(env: NodeJS.ProcessEnv = process.env): LocalTarget {
  const record = readDevRecord(devRecordFile(env));
  let stackUrl: string;
  let source: LocalTarget['source'];
  if (env.STACK_URL) [stackUrl, source] = [env.STACK_URL, 'environment'];
  else if (env.STACK_PORT)
    [stackUrl, source] = [`http://127.0.0.1:${env.STACK_PORT}`, 'environment'];
  else if (record) [stackUrl, source] = [record.stack.url, 'npm run dev'];
  else [stackUrl, source] = [`http://127.0.0.1:${DEFAULT_STACK_PORT}`, 'default'];
  const issuer =
    env.ISSUER ??
    (env.PORT ? `http://localhost:${env.PORT}` : undefined) ??
    record?.worker.issuer ??
    `http://localhost:${DEFAULT_WORKER_PORT}`;
  const stackToken =
    (source === 'npm run dev' ? record?.stack.token : undefined) ?? DEFAULT_STACK_TOKEN;
  return { stackUrl, stackToken, issuer, runningIssuer: record?.worker.issuer, source };
}

/** A refusal a tool prints as one line (no stack trace) before exiting with `exitCode`. */
export class ToolRefusal extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * Throws a ToolRefusal naming the URL and the fix when nothing answers the stack's health
 * check: without it, the first query fails deep in the Neon client with ECONNREFUSED, and
 * drizzle's error message carries the query's parameters (a password hash, for seed).
 */
export async function requireLocalStack(target: LocalTarget): Promise<void> {
  const url = target.stackUrl.replace(/\/+$/, '');
  try {
    const res = await fetch(`${url}/__health`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    if (res.ok) return;
  } catch {
    // refused, reset or timed out: said below
  }
  const moved =
    target.source === 'environment'
      ? ' (from STACK_URL/STACK_PORT)'
      : target.source === 'npm run dev'
        ? ' (recorded by npm run dev in .data/dev-server.json)'
        : '';
  throw new ToolRefusal(
    `no local stack answers at ${url}${moved}: start it with \`npm run dev\`, ` +
      'or set DATABASE_URL (or STACK_URL) to the database to use',
  );
}
