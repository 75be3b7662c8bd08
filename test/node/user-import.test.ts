// The old service's export, parsed and checked without a database (src/auth/user-import.ts):
// what becomes a user, what is reported with its line number and why, and what is never echoed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_SCOPES, parseRoleScopes, type RoleScopes } from '../../src/config/roles.ts';
import {
  checkRoles,
  detectFormat,
  parseUserExport,
  type RoleRules,
} from '../../src/auth/user-import.ts';

const rules: RoleRules = {
  roleScopes: parseRoleScopes(DEFAULT_ROLE_SCOPES) as RoleScopes,
  defaultRoles: ['viewer'],
};
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/users/${name}`, import.meta.url), 'utf8');
const HASH = '$2b$04$d0gjTfiGAuUff8bmx693T.z/dgMEGIH.RuXLvreQq9cUFYi5vOsk2';

describe('CSV', () => {
  const parsed = parseUserExport(fixture('old-service.csv'), rules, { fileName: 'x.csv' });

  it('keeps quoted commas, doubled quotes and line breaks in names; numbers rows by file line', () => {
    expect(parsed.format).toBe('csv');
    expect(parsed.rows).toEqual([
      {
        line: 2,
        email: 'ada@example.test',
        passwordHash: '$2b$04$ffcaHT68.6/bABFBt1waEe03hkGJR9fiqLEB.jU2XFRmWBwXnP26O',
        name: 'Lovelace, Ada',
        roles: ['admin', 'researcher'],
      },
      {
        line: 3,
        // Trimmed like the Worker's EmailSchema; case is citext's business.
        email: 'Grace@Example.test',
        passwordHash: '$2a$04$doyAns7NRV36k2H0AWF2d.hbq4dlGx0VJ9N0Y8OhJCDKx6YFrZ7.q',
        name: 'Grace Hopper',
        roles: ['developer', 'viewer'],
      },
      {
        line: 8,
        email: 'carl@example.test',
        passwordHash: '$2y$04$9zlv7fPgaMIUmRcAkV5frualkNIiwqaVdgO7YD7glCJ/ZOuQ3aFle',
        name: 'Carl "CJ" Jung',
        roles: ['viewer'], // empty roles: DEFAULT_ROLES
      },
      {
        line: 9,
        email: 'dora@example.test',
        passwordHash: '$2b$04$bUOIqtlEyplVDch8i.sP5eaM82F.hdAFN2nmTqJ.z1cWEz4DOIqnS',
        name: 'Dora\nTwo Lines',
        roles: ['viewer'],
      },
    ]);
  });

  it('reports each bad row with its line and reason, and goes on', () => {
    expect(parsed.invalid).toEqual([
      { line: 4, reason: 'email is not a valid address' },
      { line: 5, reason: 'password_hash is not a bcrypt hash ($2a$, $2b$ or $2y$)' },
      {
        line: 6,
        reason:
          'unknown role(s) superuser (configured: admin, developer, researcher, evaluator, viewer)',
      },
      // "Frank, Jr." unquoted: the columns after it would shift.
      { line: 11, reason: '5 columns where the header has 4' },
      // citext makes ADA@ and ada@ one account.
      { line: 12, reason: 'same email as line 2' },
    ]);
  });

  it('handles CRLF, a BOM, columns in any order and extra columns', () => {
    const text = `\uFEFFroles,name,password_hash,email,legacy_id\r\nviewer,Ann,${HASH},ann@x.test,17\r\n`;
    expect(parseUserExport(text, rules)).toEqual({
      format: 'csv',
      rows: [{ line: 2, email: 'ann@x.test', passwordHash: HASH, name: 'Ann', roles: ['viewer'] }],
      invalid: [],
    });
  });

  it('refuses a file without the needed columns, and an unclosed quote', () => {
    expect(parseUserExport('mail,pw\na@x.test,x\n', rules).invalid).toEqual([
      { line: 1, reason: 'the header row needs the columns email and password_hash' },
    ]);
    const unclosed = `email,password_hash,name\nok@x.test,${HASH},Ok\nno@x.test,${HASH},"Open\n`;
    const parsed = parseUserExport(unclosed, rules);
    expect(parsed.rows.map((row) => row.email)).toEqual(['ok@x.test']);
    expect(parsed.invalid).toEqual([{ line: 3, reason: 'a quoted field is never closed' }]);
  });

  it('never echoes a hash or a password in a reason', () => {
    const secret = 'hunter2-plain-text-password';
    const parsed = parseUserExport(`email,password_hash\nx@x.test,${secret}\n`, rules);
    expect(parsed.invalid).toHaveLength(1);
    expect(JSON.stringify(parsed.invalid)).not.toContain(secret);
  });
});

describe('JSON lines', () => {
  const parsed = parseUserExport(fixture('old-service.jsonl'), rules);

  it('accepts password_hash, bcrypt_hash or hash; roles as a list or a string', () => {
    expect(parsed.format).toBe('jsonl');
    expect(parsed.rows).toEqual([
      {
        line: 1,
        email: 'ada@example.test',
        passwordHash: '$2b$04$ffcaHT68.6/bABFBt1waEe03hkGJR9fiqLEB.jU2XFRmWBwXnP26O',
        name: 'Ada, Countess of Lovelace',
        roles: ['admin', 'researcher'],
      },
      {
        line: 2,
        email: 'grace@example.test',
        passwordHash: '$2a$04$doyAns7NRV36k2H0AWF2d.hbq4dlGx0VJ9N0Y8OhJCDKx6YFrZ7.q',
        name: null,
        roles: ['developer', 'viewer'],
      },
      {
        line: 4,
        email: 'hal@example.test',
        passwordHash: '$2b$04$NOcZAS93.iCPgx5C7QyCb.AwKcaEc71hVwZ7AHZncq3XR0ySatrGm',
        name: null,
        roles: ['viewer'],
      },
    ]);
  });

  it('reports bad lines (blank lines are neither rows nor errors)', () => {
    expect(parsed.invalid).toEqual([
      { line: 5, reason: 'email is not a valid address' },
      // Only bcrypt comes from the old service; anything else is not what we were promised.
      { line: 6, reason: 'password_hash is not a bcrypt hash ($2a$, $2b$ or $2y$)' },
      {
        line: 7,
        reason:
          'unknown role(s) wizard (configured: admin, developer, researcher, evaluator, viewer)',
      },
      { line: 8, reason: 'not valid JSON' },
      { line: 9, reason: 'not a JSON object' },
      { line: 10, reason: 'roles must be a string or a list of strings' },
    ]);
  });

  it('lists every problem of a row at once', () => {
    const [row] = parseUserExport('{"email":"nope","roles":["root"]}', rules).invalid;
    expect(row?.reason).toBe(
      'email is not a valid address; password_hash missing; unknown role(s) root ' +
        '(configured: admin, developer, researcher, evaluator, viewer)',
    );
  });
});

describe('format and roles', () => {
  it('detects JSON lines by the first non-blank character, then by the file name', () => {
    expect(detectFormat('\n  {"email":"a@x.test"}', 'users.csv')).toBe('jsonl');
    expect(detectFormat('email,password_hash\n', 'users.txt')).toBe('csv');
    expect(detectFormat('', 'users.jsonl')).toBe('jsonl');
    expect(parseUserExport('[{"email":"a@x.test"}]', rules, { format: 'jsonl' }).invalid).toEqual([
      { line: 1, reason: 'a JSON array; export one object per line (JSON lines)' },
    ]);
  });

  it('splits role strings on ; , or spaces, lower-cases and de-duplicates them', () => {
    expect(checkRoles('Admin; viewer,viewer  developer', rules)).toEqual({
      ok: true,
      value: ['admin', 'viewer', 'developer'],
    });
    expect(checkRoles([], rules)).toEqual({ ok: true, value: ['viewer'] });
  });
});

describe('control and format characters', () => {
  it('refuses addresses and names with NUL, BEL, RLO or ZWJ (addresses) as the Worker does', () => {
    const lines = [
      JSON.stringify({ email: 'a\u0000b@example.test', password_hash: HASH }),
      JSON.stringify({ email: 'bel\u0007@example.test', password_hash: HASH }),
      JSON.stringify({ email: 'rlo\u202e@example.test', password_hash: HASH }),
      JSON.stringify({ email: 'zw\u200dj@example.test', password_hash: HASH }),
      JSON.stringify({ email: 'ok1@example.test', password_hash: HASH, name: 'Ann\u0000' }),
      JSON.stringify({ email: 'ok2@example.test', password_hash: HASH, name: 'Ann\u202eexe' }),
      JSON.stringify({
        email: 'ok3@example.test',
        password_hash: HASH,
        name: 'Ann \u{1f469}\u200d\u{1f4bb}',
      }),
    ];
    const parsed = parseUserExport(lines.join('\n'), rules);
    expect(parsed.rows.map((row) => row.email)).toEqual(['ok3@example.test']);
    expect(parsed.invalid.map((row) => [row.line, row.reason])).toEqual([
      [1, 'email holds control, invisible or bidi-override characters'],
      [2, 'email holds control, invisible or bidi-override characters'],
      [3, 'email holds control, invisible or bidi-override characters'],
      [4, 'email holds control, invisible or bidi-override characters'],
      [5, expect.stringMatching(/^name must be text .* without control or bidirectional-override/)],
      [6, expect.stringMatching(/^name must be text .* without control or bidirectional-override/)],
    ]);
  });
});
