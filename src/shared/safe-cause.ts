// What a log line may say about a failure: the classes along its cause chain and the codes a
// driver attaches (SQLSTATE, constraint name, HTTP status), never message text. Driver messages
// carry the statement and its parameters: drizzle's DrizzleQueryError is "Failed query: ...
// params: <email>,<argon2 hash>", Postgres' detail says "Key (email)=(...) already exists",
// an UpstashError repeats the command with its arguments, a provider error may quote the
// recipient. So no message from outside this codebase is ever logged.

export interface FailureFacts {
  /** Error classes along the cause chain, outermost first, e.g. ["NeonDbError", "TypeError"]. */
  classes: string[];
  /** Postgres SQLSTATE (e.g. "23505"). */
  pg_code?: string | undefined;
  /** Postgres constraint name: an identifier from our schema. */
  constraint?: string | undefined;
  /** The HTTP status a store or provider endpoint answered. */
  http_status?: number | undefined;
}

/** A cause reduced to its facts; its message is built from them alone. */
export class SafeCause extends Error {
  override readonly name = 'SafeCause';
  readonly facts: FailureFacts;
  constructor(facts: FailureFacts) {
    super(describeFacts(facts));
    this.facts = facts;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w.$-]{0,62}$/;
const SQLSTATE = /^[0-9A-Z]{5}$/;
const MAX_DEPTH = 6;

function nameOf(value: unknown): string {
  if (value instanceof Error) return IDENTIFIER.test(value.name) ? value.name : 'Error';
  return typeof value;
}

export function failureFacts(error: unknown): FailureFacts {
  const facts: FailureFacts = { classes: [] };
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < MAX_DEPTH; depth++) {
    if (e instanceof SafeCause) {
      facts.classes.push(...e.facts.classes);
      facts.pg_code ??= e.facts.pg_code;
      facts.constraint ??= e.facts.constraint;
      facts.http_status ??= e.facts.http_status;
      break;
    }
    facts.classes.push(nameOf(e));
    if (typeof e !== 'object') break;
    const fields = e as {
      code?: unknown;
      constraint?: unknown;
      status?: unknown;
      cause?: unknown;
      sourceError?: unknown;
    };
    if (typeof fields.code === 'string' && SQLSTATE.test(fields.code))
      facts.pg_code ??= fields.code;
    if (typeof fields.constraint === 'string' && IDENTIFIER.test(fields.constraint)) {
      facts.constraint ??= fields.constraint;
    }
    if (typeof fields.status === 'number' && Number.isInteger(fields.status)) {
      facts.http_status ??= fields.status;
    }
    // NeonDbError keeps the fetch failure as `sourceError`; everything else uses `cause`.
    e = fields.cause ?? fields.sourceError;
  }
  if (facts.pg_code === undefined) delete facts.pg_code;
  if (facts.constraint === undefined) delete facts.constraint;
  if (facts.http_status === undefined) delete facts.http_status;
  return facts;
}

export const safeCause = (error: unknown): SafeCause =>
  error instanceof SafeCause ? error : new SafeCause(failureFacts(error));

/** "NeonDbError <- TypeError (SQLSTATE 23505, constraint users_email_key)": safe to log. */
export function describeFacts(facts: FailureFacts): string {
  const codes = [
    facts.pg_code && `SQLSTATE ${facts.pg_code}`,
    facts.constraint && `constraint ${facts.constraint}`,
    facts.http_status !== undefined && `HTTP ${facts.http_status}`,
  ].filter(Boolean);
  return `${facts.classes.join(' <- ') || 'unknown'}${codes.length ? ` (${codes.join(', ')})` : ''}`;
}

/** The string form for a log line's `cause` field. */
export const describeCause = (error: unknown): string => describeFacts(failureFacts(error));
