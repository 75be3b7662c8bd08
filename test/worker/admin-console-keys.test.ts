// The admin console (/admin/keys): signing keys with their states, "schedule rotation" (the
// cron's step, as `npm run keys -- advance`) and the emergency rotation through its
// confirmation step (as `npm run keys -- rotate`: the key revoked and gone from the JWKS, the
// key-set version bumped). Each test owns an issuer and a Redis prefix, so rotating its keys
// disturbs no other test.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createStores } from '../../src/store/index.ts';
import { redisKeySetVersionCounter } from '../../src/store/key-set-version.ts';
import { auditRowsOfUser } from './audit-fixtures.ts';
import { sendWithEnv, uniqueIssuer } from './helpers.ts';
import { keysFor } from './keys-fixtures.ts';
import { csrfOf, noticeOf, signedInAdmin } from './admin-console-fixtures.ts';

function deployment(label: string) {
  const overrides = {
    ISSUER: uniqueIssuer(label),
    REDIS_KEY_PREFIX: `ea:${crypto.randomUUID().slice(0, 8)}:`,
  };
  const config = loadConfig({ ...env, ...overrides });
  return {
    overrides,
    keys: () => keysFor(overrides.ISSUER, overrides).store.list(overrides.ISSUER),
    version: () =>
      redisKeySetVersionCounter(createStores(config).redis, config.redis.keyPrefix).read(),
    async publishedKids() {
      const response = await sendWithEnv('/.well-known/jwks.json', overrides);
      return (await response.json<{ keys: { kid: string }[] }>()).keys.map((key) => key.kid);
    },
  };
}

describe('admin console: signing keys', () => {
  it('lists the keys with their states; "schedule rotation" runs the cron step', async () => {
    const stack = deployment('console-keys');
    const { admin, browser } = await signedInAdmin(stack.overrides);
    const empty = await browser.get('/admin/keys');
    expect(empty.response.status).toBe(200);
    expect(empty.body).toContain(stack.overrides.ISSUER);

    // Nothing signs yet for this issuer: the step creates a key that signs at once.
    const advanced = await browser.submit('/admin/keys', '/admin/keys/advance');
    expect(advanced.response.status).toBe(303);
    expect(advanced.location).toBe('/admin/keys?done=immediate&n=0');
    const [key] = await stack.keys();
    const page = await browser.get(advanced.location!);
    expect(noticeOf(page.body)).toBe('No key was signing: a new key signs now.');
    expect(page.body).toContain(`<tr data-kid="${key!.kid}">`);
    expect(page.body).toMatch(/<span class="tag">current<\/span>/);
    const [row] = await auditRowsOfUser(admin.user_id, 'key_rotated');
    expect(row?.details).toEqual({
      source: 'console',
      issuer: stack.overrides.ISSUER,
      step: 'immediate',
      created_kid: key!.kid,
      states_updated: 0,
    });

    // A fresh key is not due: a second run changes nothing and records nothing.
    const again = await browser.submit('/admin/keys', '/admin/keys/advance');
    expect(again.location).toBe('/admin/keys?done=none&n=0');
    expect(await stack.keys()).toHaveLength(1);
  });

  it('rotates in an emergency only through the confirmation step', async () => {
    const stack = deployment('console-emergency');
    const { admin, browser } = await signedInAdmin(stack.overrides);
    await browser.submit('/admin/keys', '/admin/keys/advance');
    const [old] = await stack.keys();
    expect(await stack.publishedKids()).toEqual([old!.kid]);
    const versionBefore = await stack.version();

    const confirm = await browser.get('/admin/keys/emergency');
    expect(confirm.response.status).toBe(200);
    expect(confirm.body).toContain(`the current key <code>${old!.kid}</code> is revoked`);
    const csrf = csrfOf(confirm.body);
    // The form itself carries the key it was shown, so a confirmation names what it revokes.
    const form = /<form method="post" action="\/admin\/keys\/emergency">[^]*?<\/form>/.exec(
      confirm.body,
    )?.[0];
    expect(form).toContain(`name="revokes" value="${old!.kid}"`);
    const unconfirmed = await browser.post('/admin/keys/emergency', { csrf, revokes: old!.kid });
    expect(unconfirmed.response.status).toBe(400);
    expect(unconfirmed.body).toContain('Type &quot;rotate&quot; to confirm');
    expect(await stack.keys()).toHaveLength(1);
    // A plain POST without the page's hidden field is a stale confirmation too.
    const blind = await browser.post('/admin/keys/emergency', { csrf, confirm: 'rotate' });
    expect(blind.response.status).toBe(400);
    expect(await stack.keys()).toHaveLength(1);

    const rotated = await browser.post('/admin/keys/emergency', {
      csrf,
      confirm: 'rotate',
      revokes: old!.kid,
    });
    expect(rotated.response.status).toBe(303);
    expect(rotated.location).toBe('/admin/keys?done=emergency');
    const keys = await stack.keys();
    const revoked = keys.find((key) => key.kid === old!.kid);
    const current = keys.find((key) => key.kid !== old!.kid);
    expect(revoked?.revokedAt).not.toBeNull();
    expect(current?.revokedAt).toBeNull();
    expect(await stack.publishedKids()).toEqual([current!.kid]);
    expect(await stack.version()).not.toBe(versionBefore);
    const rows = await auditRowsOfUser(admin.user_id, 'key_rotated', 2);
    expect(rows[1]?.details).toEqual({
      source: 'console',
      issuer: stack.overrides.ISSUER,
      step: 'emergency',
      created_kid: current!.kid,
      revoked_kid: old!.kid,
    });

    // The same confirmation again names a key that no longer signs: refused, nothing revoked.
    const replayed = await browser.post('/admin/keys/emergency', {
      csrf,
      confirm: 'rotate',
      revokes: old!.kid,
    });
    expect(replayed.response.status).toBe(400);
    expect(replayed.body).toContain('The signing key changed since this page was shown');
    expect((await stack.keys()).find((key) => key.kid === current!.kid)?.revokedAt).toBeNull();
  });
});
