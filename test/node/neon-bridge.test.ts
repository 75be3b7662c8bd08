// The local Neon bridge must be indistinguishable from Neon for the clients the Worker uses:
// drizzle-orm/neon-http over @neondatabase/serverless, unchanged, pointed at the stack's /sql.
// Runs against PGlite, or a real Postgres when DATABASE_URL is set; tests share the database
// with parallel runs, so they only touch their own scratch table and random emails.
import { randomUUID } from 'node:crypto';
import { NeonDbError, neon, neonConfig } from '@neondatabase/serverless';
import { DrizzleQueryError, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/neon-http';
import * as t from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createNeonBridge } from '../../dev/neon/index.ts';
import { stackOptionsFromEnv } from '../../dev/stack.ts';
import { citext, users } from '../../src/store/schema.ts';

const stack = inject('stack');
neonConfig.fetchEndpoint = `${stack.url}/sql`;
const client = neon('postgres://edge:edge@127.0.0.1:5432/edge_auth');
const db = drizzle({ client });

const bytea = t.customType<{ data: Buffer }>({ dataType: () => 'bytea' });
const name = `neon_bridge_${randomUUID().slice(0, 8)}`;
const scratch = t.pgTable(name, {
  id: t.serial('id').primaryKey(),
  uid: t.uuid('uid'),
  email: citext('email').unique(),
  at: t.timestamp('at', { withTimezone: true }),
  doc: t.jsonb('doc'),
  tags: t.text('tags').array(),
  blob: bytea('blob'),
  big: t.bigint('big', { mode: 'bigint' }),
  flag: t.boolean('flag'),
  n: t.integer('n'),
  amount: t.numeric('amount'),
  note: t.text('note'),
});

/** The rejection of `promise`, which must reject. */
async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Record<string, unknown>;
}

const email = (tag: string) => `${tag}-${randomUUID()}@Example.io`;

/** A hand-made POST /sql, for what the client never sends (or sends only one way). */
const postRaw = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${stack.url}/sql`, {
    method: 'POST',
    body,
    headers: {
      'neon-connection-string': 'postgres://edge:edge@127.0.0.1:5432/edge_auth',
      'neon-raw-text-output': 'true',
      ...headers,
    },
  });

beforeAll(async () => {
  await client.query(`CREATE TABLE ${name} (
    id serial PRIMARY KEY, uid uuid, email citext CONSTRAINT ${name}_email_unique UNIQUE,
    at timestamptz, doc jsonb, tags text[], blob bytea, big bigint, flag boolean, n integer,
    amount numeric, note text)`);
});
afterAll(async () => {
  await client.query(`DROP TABLE IF EXISTS ${name}`);
});

describe(`Neon HTTP bridge (${stack.backends.db})`, () => {
  it('inserts, selects, updates and deletes, with RETURNING and row counts', async () => {
    const [row] = await db.insert(scratch).values({ note: 'one', n: 1 }).returning();
    expect(row).toMatchObject({ note: 'one', n: 1 });
    const id = row!.id;

    expect(await db.select().from(scratch).where(eq(scratch.id, id))).toEqual([row]);
    const updated = await db.update(scratch).set({ note: 'two' }).where(eq(scratch.id, id));
    expect(updated).toMatchObject({ command: 'UPDATE', rowCount: 1 });
    const [after] = await db.select().from(scratch).where(eq(scratch.id, id));
    expect(after).toEqual({ ...row, note: 'two' });

    const deleted = await db
      .delete(scratch)
      .where(eq(scratch.id, id))
      .returning({ id: scratch.id });
    expect(deleted).toEqual([{ id }]);
    expect(await db.delete(scratch).where(eq(scratch.id, id))).toMatchObject({ rowCount: 0 });
    expect(await db.select().from(scratch).where(eq(scratch.id, id))).toEqual([]);
  });

  it('round-trips every column type exactly', async () => {
    const values = {
      uid: randomUUID(),
      email: email('Types'),
      at: new Date('2031-02-03T04:05:06.789Z'),
      doc: { quote: 'a "b" \\ c', unicode: 'žluť 🚀', nested: [1, 2.5, null, { deep: true }] },
      tags: ['plain', 'with,comma', 'with "quotes"', 'back\\slash', '', 'NULL', '{braces}'],
      blob: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      big: 9_007_199_254_740_993n,
      flag: false,
      n: -2_147_483_648,
      amount: '12345678901234567890.000000000123',
      note: "it's \\ \t tab, newline\n and unicode ✓",
    };
    const [inserted] = await db.insert(scratch).values(values).returning();
    expect(inserted).toEqual({ id: inserted!.id, ...values });
    const [selected] = await db.select().from(scratch).where(eq(scratch.id, inserted!.id));
    expect(selected).toEqual(inserted);
    expect(selected!.blob).toBeInstanceOf(Buffer);
  });

  it('round-trips SQL NULL, as parameters and as values, for every column type', async () => {
    const nulls = { uid: null, email: null, at: null, doc: null, tags: null, blob: null };
    const more = { big: null, flag: null, n: null, amount: null, note: null };
    const [row] = await db
      .insert(scratch)
      .values({ ...nulls, ...more })
      .returning();
    expect(row).toEqual({ id: row!.id, ...nulls, ...more });
    const arrays = await client.query('SELECT $1::text[] AS a, $2::text IS NULL AS isnull', [
      ['x', null],
      null,
    ]);
    expect(arrays).toEqual([{ a: ['x', null], isnull: true }]);
  });

  it('runs db.batch as one transaction: a failing statement undoes the ones before it', async () => {
    const taken = email('Batch');
    const [first, second] = await db.batch([
      db
        .insert(scratch)
        .values({ email: email('Batch'), n: 1 })
        .returning({ n: scratch.n }),
      db.select({ count: sql<number>`count(*)::int` }).from(scratch),
    ]);
    expect(first).toEqual([{ n: 1 }]);
    expect(second[0]!.count).toBeGreaterThanOrEqual(1);

    const error = await failure(
      db.batch([
        db.insert(scratch).values({ email: taken, note: 'must vanish' }),
        db.insert(scratch).values({ email: taken.toUpperCase() }),
      ]),
    );
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({ code: '23505', constraint: `${name}_email_unique` });
    expect(await db.select().from(scratch).where(eq(scratch.email, taken))).toEqual([]);
  });

  it('surfaces Postgres errors with their fields (unique violation: 23505)', async () => {
    const taken = email('Unique');
    await db.insert(scratch).values({ email: taken });
    const error = await failure(db.insert(scratch).values({ email: taken.toLowerCase() }));
    expect(error).toBeInstanceOf(DrizzleQueryError);
    expect(error.cause).toBeInstanceOf(NeonDbError);
    expect(error.cause).toMatchObject({
      code: '23505',
      severity: 'ERROR',
      constraint: `${name}_email_unique`,
      table: name,
      detail: expect.stringContaining('already exists'),
    });
    const syntax = await failure(client.query('SELEC 1'));
    expect(syntax).toMatchObject({ code: '42601', position: '1' });
  });

  it('has the migrated users table, with emails unique case-insensitively', async () => {
    const address = email('Users');
    const values = { email: address, passwordHash: '$argon2id$test', roles: ['admin', 'a,b'] };
    const [user] = await db.insert(users).values(values).returning();
    try {
      expect(user).toMatchObject({ ...values, name: null, emailVerifiedAt: null });
      expect(user!.createdAt).toBeInstanceOf(Date);
      const found = await db.select().from(users).where(eq(users.email, address.toLowerCase()));
      expect(found).toEqual([user]);
      const error = await failure(
        db.insert(users).values({ ...values, email: address.toLowerCase() }),
      );
      expect(error.cause).toMatchObject({ code: '23505', constraint: 'users_email_unique' });
    } finally {
      await db.delete(users).where(eq(users.email, address));
    }
  });

  it('honours the batch options: isolation level, read-only, deferrable', async () => {
    const levels = {
      ReadUncommitted: 'read uncommitted',
      ReadCommitted: 'read committed',
      RepeatableRead: 'repeatable read',
      Serializable: 'serializable',
    } as const;
    for (const [isolationLevel, shown] of Object.entries(levels)) {
      const [rows] = await client.transaction([client`SHOW transaction_isolation`], {
        isolationLevel: isolationLevel as keyof typeof levels,
      });
      expect(rows).toEqual([{ transaction_isolation: shown }]);
    }
    const flags = await client.transaction(
      [client`SHOW transaction_read_only`, client`SHOW transaction_deferrable`],
      { isolationLevel: 'Serializable', readOnly: true, deferrable: true },
    );
    expect(flags).toEqual([[{ transaction_read_only: 'on' }], [{ transaction_deferrable: 'on' }]]);
    const write = client.query(`INSERT INTO ${name} (note) VALUES ('read only?')`);
    const error = await failure(client.transaction([write], { readOnly: true }));
    expect(error).toMatchObject({ code: '25006' });
  });

  it('keeps other requests out of a batch transaction', async () => {
    // A request let in between a batch's statements would run inside its transaction and be
    // rolled back with it: acknowledged, then lost. Over HTTP the bridge never sees another
    // request mid-batch (PGlite answers without yielding to I/O), so the requests go straight
    // to a bridge of the same backend in this process, all in one tick: each statement's await
    // is then a point where a bystander could slip in, unless the backend holds it back.
    const { databaseUrl } = stackOptionsFromEnv();
    const bridge = await createNeonBridge({ databaseUrl, record: () => {} });
    try {
      const handle = (body: unknown) =>
        bridge.handle({
          method: 'POST',
          path: '/sql',
          headers: {
            'neon-connection-string': 'postgres://edge:edge@127.0.0.1:5432/edge_auth',
            'neon-raw-text-output': 'true',
          },
          body: JSON.stringify(body),
          requestId: undefined,
        });
      const table = `${name}_batch`;
      expect((await handle({ query: `CREATE TABLE ${table} (n int)`, params: [] })).status).toBe(
        200,
      );
      const insert = (n: number) => ({
        query: `INSERT INTO ${table} (n) VALUES ($1)`,
        params: [String(n)],
      });
      const doomed = handle({
        queries: [
          insert(-1),
          ...Array.from({ length: 20 }, () => insert(-2)),
          { query: 'SELECT 1 / 0', params: [] },
        ],
      });
      const bystanders = Array.from({ length: 20 }, (_, n) => handle(insert(n)));
      const [failed, ...answered] = await Promise.all([doomed, ...bystanders]);
      expect(failed?.status).toBe(400);
      expect(answered.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
      const rows = await handle({ query: `SELECT n FROM ${table} ORDER BY n`, params: [] });
      expect(JSON.parse(String(rows.body)).rows).toEqual(
        Array.from({ length: 20 }, (_, n) => ({ n: String(n) })),
      );
      await handle({ query: `DROP TABLE ${table}`, params: [] });
    } finally {
      await bridge.close();
    }
  }, 60_000);

  it('counts the statements of each request against its x-request-id', async () => {
    const requestId = `neon-bridge-${randomUUID()}`;
    neonConfig.fetchFunction = (url: string, init: RequestInit) =>
      fetch(url, { ...init, headers: { ...init.headers, 'x-request-id': requestId } });
    try {
      await client`SELECT 1`;
      await client.transaction([client`SELECT 1`, client`SELECT 2`, client`SELECT 3`]);
    } finally {
      neonConfig.fetchFunction = undefined;
    }
    const res = await fetch(`${stack.url}/__stats?request_id=${requestId}`);
    expect(await res.json()).toMatchObject({ sql: { roundTrips: 2, units: 4 } });
  });

  it('speaks the wire format the client expects, in both row modes', async () => {
    const body = JSON.stringify({ query: 'SELECT $1::int AS n, NULL::text AS z', params: ['7'] });
    const post = (arrayMode: string) =>
      postRaw(body, { 'neon-array-mode': arrayMode }).then((res) => res.json());
    const base = { command: 'SELECT', rowCount: 1 };
    expect(await post('true')).toMatchObject({ ...base, rows: [['7', null]], rowAsArray: true });
    expect(await post('false')).toMatchObject({ ...base, rows: [{ n: '7', z: null }] });
    expect((await post('true')).fields).toMatchObject([
      { name: 'n', dataTypeID: 23 },
      { name: 'z', dataTypeID: 25 },
    ]);
  });

  it('answers malformed requests with a 4xx JSON error and keeps serving', async () => {
    const cases: [Promise<Response>, number][] = [
      [fetch(`${stack.url}/sql`), 405],
      [postRaw('{not json'), 400],
      [postRaw('{"queries": "SELECT 1"}'), 400],
      [postRaw('{"query": "SELECT $1", "params": [{"a": 1}]}'), 400],
      [postRaw('{"queries": []}', { 'neon-batch-isolation-level': 'Chaos' }), 400],
      [fetch(`${stack.url}/sql`, { method: 'POST', body: '{"query": "SELECT 1"}' }), 400],
    ];
    for (const [response, status] of cases) {
      const res = await response;
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ message: expect.any(String) });
    }
    expect(await client`SELECT 'still here' AS ok`).toEqual([{ ok: 'still here' }]);
  });
});
