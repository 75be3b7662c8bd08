// What the admin command-line tools (npm run user, npm run client) share: a config that needs
// no signing-key settings, the Worker's services on the tool's handles, an audit row per
// change, and error messages without query params.
import { randomUUID } from 'node:crypto';
import { openToolDb, type ToolDbHandle } from '../dev/db-client.ts';
import { ToolRefusal } from '../dev/local-target.ts';
import type { AuditEvent, AuditEventType, AuditRecorder } from '../src/audit/events.ts';
import { auditRow } from '../src/audit/trail.ts';
import {
  createToolServices,
  type ToolRedis,
  type ToolServices,
} from '../src/compose/tool-services.ts';
import type { Config } from '../src/config/index.ts';
import { toolConfig, toolRedis } from './tool-config.ts';

/**
 * These tools read only settings like the argon2 cost, the role set and the TTLs, so against a
 * real database they do not need ISSUER and KEY_ENCRYPTION_KEY: inert placeholders stand in.
 */
export function adminToolConfig(env: NodeJS.ProcessEnv): Config {
  const unusedKek = `unused:${Buffer.alloc(32).toString('base64url')}`;
  return toolConfig({
    ISSUER: 'http://issuer.unused.invalid',
    KEY_ENCRYPTION_KEY: unusedKek,
    ...env,
  });
}

/** Writes one audit row, as the admin API would; false (and a warning) if it failed. */
export async function auditCliChange<T extends AuditEventType>(
  tool: string,
  services: ToolServices,
  event: AuditEvent<T>,
): Promise<boolean> {
  const origin = { ip: null, userAgent: tool, requestId: `cli-${randomUUID()}` };
  try {
    await services.auditEvents.append([auditRow(event, origin, new Date())]);
    return true;
  } catch (error) {
    console.error(
      `warning: the change was made but its audit row was not written: ${rootCause(error)}`,
    );
    return false;
  }
}

/**
 * An AuditRecorder for a domain service run from a tool: it keeps the events, and `written()`
 * writes each with auditCliChange (true when every one was written), after the change is done
 * and printed, as the admin API writes its trail after the response.
 */
export function cliAuditRecorder(
  tool: string,
  services: ToolServices,
): AuditRecorder & { written(): Promise<boolean> } {
  const events: AuditEvent[] = [];
  return {
    record(event) {
      events.push(event as AuditEvent);
    },
    async written() {
      let all = true;
      for (const event of events.splice(0))
        all = (await auditCliChange(tool, services, event)) && all;
      return all;
    },
  };
}

/**
 * The innermost cause's message: drizzle wraps a driver error in "Failed query: ... params: ...",
 * and those parameters are password or secret hashes.
 */
export function rootCause(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(error);
}

/** A refusal: a message and an exit code, no stack trace. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * The Worker's Redis, where the sessions live, over Upstash REST: against the local stack the
 * stack's Upstash bridge; against a deployment (DATABASE_URL set) UPSTASH_REDIS_REST_URL and
 * UPSTASH_REDIS_REST_TOKEN must be given too.
 */
function sessionsRedis(env: NodeJS.ProcessEnv, config: Config): ToolRedis {
  // toolConfig defaults Redis to the local stack; against a deployment it must be given.
  if (env.DATABASE_URL && !(env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN)) {
    throw new CliError(
      'with DATABASE_URL set, UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are needed ' +
        'too: the sessions live in Redis',
    );
  }
  return toolRedis(config);
}

/**
 * Runs one command against the database (the local stack, or DATABASE_URL): opens it, runs
 * with the Worker's services on it (src/compose/tool-services.ts; Redis only if the command
 * ends sessions), closes it, and turns a failure into a message and an exit code. A refusal or
 * an unreachable database prints a message, not a stack trace (nor a URL's password: pg and
 * the Neon client do not put the connection string in their errors). The handle is there for
 * a command's own SQL.
 */
export async function runWithToolDb(
  env: NodeJS.ProcessEnv,
  what: string,
  run: (services: ToolServices, handle: ToolDbHandle) => Promise<number>,
): Promise<number> {
  let handle: ToolDbHandle | undefined;
  try {
    const config = adminToolConfig(env);
    handle = openToolDb(env);
    await handle.ready();
    console.error(`${what} in ${handle.target}`);
    const services = createToolServices(config, {
      db: handle.db,
      redis: () => sessionsRedis(env, config),
    });
    return await run(services, handle);
  } catch (error) {
    if (error instanceof ToolRefusal) {
      console.error(error.message);
      return error.exitCode;
    }
    console.error(`error: ${rootCause(error)}`);
    return error instanceof CliError ? error.exitCode : 1;
  } finally {
    await handle?.close();
  }
}
