// Users who enter from outside the Worker: the old service's export (CSV or JSON lines) and the
// operator's `npm run user -- create`. Parsed and checked with the Worker's own rules (email as
// EmailSchema normalises it, the configured role set, the register route's name rule), with no
// I/O, so every rule is tested without a database. Expected outcomes are values: a bad row is a
// line number and a reason, never an exception, and never stops the rows after it.
import type { RoleScopes } from '../config/roles.ts';
import { BCRYPT_HASH } from './bcrypt-legacy.ts';
import { DisplayNameSchema, NAME_RULE } from './display-name.ts';
import { EmailSchema, hasForbiddenEmailCharacter } from './email.ts';

export type ExportFormat = 'csv' | 'jsonl';

/** One valid row, ready to insert; `line` is where it starts in the file (1-based). */
export interface ImportedUser {
  line: number;
  email: string;
  /** bcrypt, stored as-is: the Worker verifies it and re-hashes to argon2id at the next login. */
  passwordHash: string;
  name: string | null;
  roles: string[];
}

/** A row left out. The reason names fields and roles, never a value that could be a secret. */
export interface InvalidRow {
  line: number;
  reason: string;
}

export interface ParsedExport {
  format: ExportFormat;
  rows: ImportedUser[];
  invalid: InvalidRow[];
}

/** The configuration the rows are checked against (Config's fields of the same names). */
export interface RoleRules {
  roleScopes: RoleScopes;
  defaultRoles: readonly string[];
}

export type Verdict<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Where the old service put the hash: `password_hash`, or the older `bcrypt_hash` / `hash`. */
const HASH_FIELDS = ['password_hash', 'bcrypt_hash', 'hash'] as const;

export function checkEmail(raw: unknown): Verdict<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'email missing' };
  if (hasForbiddenEmailCharacter(raw.trim())) {
    return { ok: false, reason: 'email holds control, invisible or bidi-override characters' };
  }
  const parsed = EmailSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: 'email is not a valid address' };
}

/** Blank or absent means no name (NULL), as when a user registers without one. */
export function checkName(raw: unknown): Verdict<string | null> {
  if (raw === undefined || raw === null) return { ok: true, value: null };
  // The register route's rule for a display name (src/auth/display-name.ts).
  const parsed = DisplayNameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: `name ${NAME_RULE}` };
  return { ok: true, value: parsed.data === '' ? null : parsed.data };
}

/**
 * Roles as a list, or as one string separated by `;`, `,` or spaces. Every role must be in the
 * configured set (ROLE_SCOPES); none at all means DEFAULT_ROLES, what a new registration gets.
 */
export function checkRoles(raw: unknown, rules: RoleRules): Verdict<string[]> {
  let names: string[];
  if (raw === undefined || raw === null) names = [];
  else if (typeof raw === 'string') names = raw.split(/[;,\s]+/);
  else if (Array.isArray(raw) && raw.every((role) => typeof role === 'string')) {
    names = raw.flatMap((role: string) => role.split(/[;,\s]+/));
  } else return { ok: false, reason: 'roles must be a string or a list of strings' };
  // Role names are lower case by definition (src/config/roles.ts), so "Admin" means admin.
  const roles = [...new Set(names.map((role) => role.trim().toLowerCase()).filter(Boolean))];
  const unknown = roles.filter((role) => !rules.roleScopes.has(role));
  if (unknown.length > 0) {
    const known = [...rules.roleScopes.keys()].join(', ');
    return { ok: false, reason: `unknown role(s) ${unknown.join(', ')} (configured: ${known})` };
  }
  return { ok: true, value: roles.length > 0 ? roles : [...rules.defaultRoles] };
}

function checkHash(raw: unknown): Verdict<string> {
  if (typeof raw !== 'string' || raw.trim() === '') {
    return { ok: false, reason: 'password_hash missing' };
  }
  return BCRYPT_HASH.test(raw.trim())
    ? { ok: true, value: raw.trim() }
    : { ok: false, reason: 'password_hash is not a bcrypt hash ($2a$, $2b$ or $2y$)' };
}

/** One record's fields, whatever the file format, checked all at once (every reason listed). */
function checkRecord(
  line: number,
  fields: { email: unknown; hash: unknown; name: unknown; roles: unknown },
  rules: RoleRules,
): ImportedUser | InvalidRow {
  const email = checkEmail(fields.email);
  const hash = checkHash(fields.hash);
  const name = checkName(fields.name);
  const roles = checkRoles(fields.roles, rules);
  const reasons = [email, hash, name, roles].flatMap((v) => (v.ok ? [] : [v.reason]));
  if (!email.ok || !hash.ok || !name.ok || !roles.ok) return { line, reason: reasons.join('; ') };
  return {
    line,
    email: email.value,
    passwordHash: hash.value,
    name: name.value,
    roles: roles.value,
  };
}

/** JSON lines when the first non-blank character opens an object, or the file name says so. */
export function detectFormat(text: string, fileName = ''): ExportFormat {
  if (/\S/.exec(text)?.[0] === '{') return 'jsonl';
  return /\.(jsonl|ndjson|json)$/i.test(fileName) ? 'jsonl' : 'csv';
}

export function parseUserExport(
  text: string,
  rules: RoleRules,
  options: { format?: ExportFormat | undefined; fileName?: string | undefined } = {},
): ParsedExport {
  const body = text.replace(/^\uFEFF/, '');
  const format = options.format ?? detectFormat(body, options.fileName);
  const rows: ImportedUser[] = [];
  const invalid: InvalidRow[] = [];
  // citext compares with lower(): two rows differing only in case are one account. Neither is
  // silently dropped; the later one is reported so the operator sees the conflict.
  const firstLineOf = new Map<string, number>();
  if (format === 'jsonl' && /\S/.exec(body)?.[0] === '[') {
    invalid.push({ line: 1, reason: 'a JSON array; export one object per line (JSON lines)' });
    return { format, rows, invalid };
  }
  for (const record of format === 'jsonl' ? jsonLines(body) : csvRecords(body)) {
    const checked = 'fields' in record ? checkRecord(record.line, record.fields, rules) : record;
    if (!('email' in checked)) {
      invalid.push(checked);
      continue;
    }
    const key = checked.email.toLowerCase();
    const earlier = firstLineOf.get(key);
    if (earlier !== undefined) {
      invalid.push({ line: checked.line, reason: `same email as line ${earlier}` });
      continue;
    }
    firstLineOf.set(key, checked.line);
    rows.push(checked);
  }
  return { format, rows, invalid };
}

type RawRecord =
  | { line: number; fields: { email: unknown; hash: unknown; name: unknown; roles: unknown } }
  | InvalidRow;

function* jsonLines(text: string): Generator<RawRecord> {
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      yield { line, reason: 'not valid JSON' };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, reason: 'not a JSON object' };
      continue;
    }
    const object = value as Record<string, unknown>;
    const hashField = HASH_FIELDS.find((field) => object[field] !== undefined);
    yield {
      line,
      fields: {
        email: object.email,
        hash: hashField && object[hashField],
        name: object.name,
        roles: object.roles,
      },
    };
  }
}

function* csvRecords(text: string): Generator<RawRecord> {
  let header: Map<string, number> | undefined;
  let width = 0;
  for (const record of splitCsv(text)) {
    if ('reason' in record) {
      yield record;
      continue;
    }
    const { line, cells } = record;
    if (!header) {
      const names = cells.map((cell) => cell.trim().toLowerCase());
      header = new Map(names.map((name, i) => [name, i] as const).reverse());
      width = cells.length;
      const hashColumn = HASH_FIELDS.some((field) => header?.has(field));
      if (!header.has('email') || !hashColumn) {
        yield { line, reason: 'the header row needs the columns email and password_hash' };
        return;
      }
      continue;
    }
    if (cells.length !== width) {
      // Usually an unquoted comma in a name: every column after it would be shifted.
      yield { line, reason: `${cells.length} columns where the header has ${width}` };
      continue;
    }
    const cell = (name: string) => {
      const index = header?.get(name);
      return index === undefined ? undefined : cells[index];
    };
    const hashField = HASH_FIELDS.find((field) => header?.has(field)) ?? 'password_hash';
    yield {
      line,
      fields: {
        email: cell('email'),
        hash: cell(hashField),
        name: cell('name'),
        roles: cell('roles'),
      },
    };
  }
}

/**
 * RFC 4180 records: fields separated by commas, records by CRLF or LF; a field in double quotes
 * may hold commas, line breaks and doubled quotes (`""` is one `"`). Blank lines are skipped.
 * A record's line is the line it starts on, so a name with a line break does not shift the
 * numbers of the rows after it.
 */
function* splitCsv(text: string): Generator<{ line: number; cells: string[] } | InvalidRow> {
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let problem: string | undefined;
    let atFieldStart = true;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (ch === '"' && atFieldStart) {
        const close = findClosingQuote(text, i + 1);
        if (close < 0) {
          yield { line: start, reason: 'a quoted field is never closed' };
          return;
        }
        const quoted = text.slice(i + 1, close);
        cell += quoted.replaceAll('""', '"');
        line += quoted.split('\n').length - 1;
        i = close;
        atFieldStart = false;
        const next = text[close + 1];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          problem ??= 'text after a closing quote';
        }
      } else if (ch === ',') {
        cells.push(cell);
        cell = '';
        atFieldStart = true;
      } else if (ch === '\n') {
        line++;
        i++;
        break;
      } else if (ch !== '\r') {
        cell += ch;
        atFieldStart = false;
      }
    }
    cells.push(cell);
    if (cells.length === 1 && cell.trim() === '') continue;
    yield problem ? { line: start, reason: problem } : { line: start, cells };
  }
}

/** Index of the quote that ends a quoted field opened before `from`, or -1. */
function findClosingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] !== '"') continue;
    if (text[i + 1] === '"') i++;
    else return i;
  }
  return -1;
}
