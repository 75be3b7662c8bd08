// Issue 13 item 18: the session scripts run unchanged on Redis Cluster. A real redis-server in
// cluster mode (one node owning all 16,384 slots) refuses any command whose keys hash to
// different slots (CROSSSLOT), scripts included; here every session and user-session store
// call runs against one, through the local Upstash bridge. The earlier scripts failed here
// (the rotation passed rt:{old} and rt:{new}, two slots).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../../dev/stack.ts';
import { findOnPath } from '../../dev/upstash/redis-server.ts';
import { redisSessionStore } from '../../src/store/session-store.ts';
import { redisUserSessionStore } from '../../src/store/user-session-sweeps.ts';

const binary = findOnPath('redis-server');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(),
      );
    });
  });

/** One RESP command over a fresh socket; the raw reply text. */
const command = (port: number, ...args: string[]) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) socket.end();
    });
    socket.once('close', () => resolve(reply));
    socket.write(
      `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
    );
  });

describe.skipIf(!binary)('session scripts on a Redis Cluster node', () => {
  let stack: Stack;
  let stopServer: () => void = () => {};
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ea-cluster-'));
    const port = await freePort();
    const child = spawn(
      binary!,
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes'],
      { cwd: dir, stdio: 'ignore' },
    );
    stopServer = () => child.kill('SIGKILL');
    for (
      let i = 0;
      i < 100 && !(await command(port, 'PING').catch(() => '')).includes('PONG');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await command(port, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383')).toContain('OK');
    for (let i = 0; i < 100; i++) {
      if ((await command(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    stack = await startStack({ port: 0, redisUrl: `redis://127.0.0.1:${port}` });
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses keys of two slots (the check is live)', async () => {
    const redis = new Redis({ url: stack.url, token: stack.token, enableTelemetry: false });
    await expect(redis.eval('return 1', ['a', 'b'], [])).rejects.toThrow(/CROSSSLOT/);
  });

  it('runs every session and user-session store call', async () => {
    const redis = new Redis({
      url: stack.url,
      token: stack.token,
      enableTelemetry: false,
      automaticDeserialization: false,
    });
    const prefix = 'ea:';
    type StoreRedis = Parameters<typeof redisSessionStore>[0];
    const sessions = redisSessionStore(redis as unknown as StoreRedis, prefix);
    const users = redisUserSessionStore(
      redis as unknown as Parameters<typeof redisUserSessionStore>[0],
      prefix,
    );
    const uid = crypto.randomUUID();
    const now = new Date();
    const sids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    for (const [i, sid] of sids.entries()) {
      const created = await sessions.create(
        {
          sid,
          uid,
          email: 'a@example.test',
          roles: ['viewer'],
          scope: 'read',
          // One millisecond apart: "least recently used" must not come down to sid order.
          createdAt: new Date(now.getTime() + i),
          absoluteExpiry: new Date(now.getTime() + 3_600_000),
          ip: '192.0.2.1',
          userAgent: 'test',
          epoch: 0,
        },
        `rt-${sid}`,
        600,
        2,
      );
      expect(created.value).not.toBe('stale');
    }
    // The cap (2) evicted the first.
    expect((await users.list(uid)).map((s) => s.sid).sort()).toEqual(sids.slice(1).sort());
    const [, second, third] = sids as [string, string, string];
    const rotation = await sessions.rotate({
      uid,
      sid: second,
      presentedHash: `rt-${second}`,
      successorHash: 'next',
      now: new Date(now.getTime() + 1000),
      graceSeconds: 10,
      ttlSeconds: 600,
      clientId: undefined,
      scope: ['read'],
      limit: { limit: 5, windowSeconds: 60 },
    });
    expect(rotation.value.kind).toBe('rotated');
    expect(await sessions.inspectRefresh(uid, second, 'next')).toMatchObject({ uid });
    expect(await sessions.read(uid, third)).toMatchObject({ uid, epoch: 0 });
    expect(await sessions.check({ sub: uid, sid: third, jti: 'j' })).toEqual({
      blacklisted: false,
      sessionAlive: true,
      keySetVersion: null,
    });
    expect(await users.updateClaims(uid, ['viewer'], 'read', 1)).toBe(2);
    expect(await sessions.revokeRefresh(uid, second, `rt-${second}`, undefined)).toBe('revoked');
    const until = Math.floor(Date.now() / 1000) + 60;
    expect(await sessions.logout({ sub: uid, sid: third, jti: 'j' }, until)).toBe(true);
    expect(await sessions.revoke(uid, [second])).toBe(0);
    expect(await users.revokeOwn(uid, third)).toBe(false);
    expect(await users.revokeAll(uid, { epoch: 2 })).toBe(0);
    const stale = await sessions.create(
      {
        sid: crypto.randomUUID(),
        uid,
        email: 'a@example.test',
        roles: [],
        scope: '',
        createdAt: now,
        absoluteExpiry: new Date(now.getTime() + 3_600_000),
        ip: '',
        userAgent: '',
        epoch: 1,
      },
      'x',
      600,
      2,
    );
    expect(stale.value).toBe('stale');
  });

  it('refuses a client session whose browser session ended, and reports what a sweep ended', async () => {
    const redis = new Redis({
      url: stack.url,
      token: stack.token,
      enableTelemetry: false,
      automaticDeserialization: false,
    });
    const prefix = 'ea:';
    const sessions = redisSessionStore(
      redis as unknown as Parameters<typeof redisSessionStore>[0],
      prefix,
    );
    const swept: unknown[] = [];
    const users = redisUserSessionStore(
      redis as unknown as Parameters<typeof redisUserSessionStore>[0],
      prefix,
      { sessionsEnded: (uid, ended) => swept.push({ uid, ended }) },
    );
    const uid = crypto.randomUUID();
    const now = new Date();
    const create = (sid: string, ssoSid?: string) =>
      sessions.create(
        {
          sid,
          uid,
          email: 'a@example.test',
          roles: [],
          scope: 'read',
          createdAt: now,
          absoluteExpiry: new Date(now.getTime() + 3_600_000),
          ip: '',
          userAgent: '',
          epoch: 0,
          ...(ssoSid ? { clientId: 'app', auth: { time: 1, methods: ['pwd'], ssoSid } } : {}),
        },
        `rt-${sid}`,
        600,
        10,
      );
    const [browser, client, late] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    expect((await create(browser)).value).toEqual([]);
    expect((await create(client, browser)).value).toEqual([]);
    expect(await users.endBrowserSession(uid, browser)).toEqual(
      expect.arrayContaining([
        { sid: browser, clientId: undefined, ssoSid: undefined },
        { sid: client, clientId: 'app', ssoSid: browser },
      ]),
    );
    expect((await create(late, browser)).value).toBe('ended');
    expect(await users.list(uid)).toEqual([]);

    const other = crypto.randomUUID();
    await create(other);
    await create(late, other);
    expect(await users.revokeAll(uid)).toBe(2);
    expect(swept).toEqual([{ uid, ended: [{ sid: late, clientId: 'app', ssoSid: other }] }]);
  });
});
