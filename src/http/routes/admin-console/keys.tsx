// /admin/keys: the issuer's signing keys and their rotation, doing what `npm run keys` does
// (scripts/keys.ts) with the Worker's own services:
// - "schedule rotation" is `keys -- advance`, the hourly cron's step (src/scheduled.ts): the
//   successor is published when due and signs after the publish lead;
// - the emergency rotation is `keys -- rotate` (src/auth/keys/emergency.ts rotateInEmergency):
//   a new key signs now, the current one is revoked and leaves the JWKS, then the key-set
//   version is bumped so every isolate reloads before it next signs. It takes a confirmation
//   step, which names the key it revokes: a confirmation made before another rotation does not
//   revoke the key that replaced it.
// Each change is audited as `key_rotated` (source "console", the acting admin), this
// location's JWKS and discovery copies are purged as the cron does.
import { type Context, Hono } from 'hono';
import { KeySetVersionNotBumpedError, rotateInEmergency } from '../../../auth/keys/emergency.ts';
import { rotationDueAt, signingKeyAt, stateAt } from '../../../auth/keys/lifecycle.ts';
import { advanceKeys } from '../../../auth/keys/rotation.ts';
import { forgetKeys, type KeyContext } from '../../../auth/keys/service.ts';
import { discoveryUrl, jwksUrl } from '../../../shared/well-known-urls.ts';
import { formCsrfToken } from '../../browser/form-csrf.ts';
import type { AppEnv, EnvWith } from '../../context.ts';
import { purgeEdgeCache } from '../../edge-cache.ts';
import { CONFIRM_FIELD, ConfirmPage } from '../../pages/admin/confirm.tsx';
import { KeysPage } from '../../pages/admin/keys.tsx';
import { form } from '../page-kit.tsx';
import { actorOf, type AdminPageVariables, adminOnly, doneNotice } from './guard.tsx';

/** What the emergency confirmation asks to be typed. */
export const EMERGENCY_PHRASE = 'rotate';
/** The hidden field naming the key the confirmation page showed as signing. */
const REVOKES_FIELD = 'revokes';

const DONE: Record<string, (n: number) => string> = {
  schedule: () =>
    'Rotation scheduled: the successor is published now and starts signing after the publish lead.',
  immediate: () => 'No key was signing: a new key signs now.',
  none: (n) => `No rotation is due; nothing was created (${n} key state(s) tidied).`,
  emergency: () =>
    'Emergency rotation done: a new key signs now; the old key is revoked and left the JWKS, and every isolate reloads its keys before it next signs.',
};

type AdminEnv = EnvWith<AdminPageVariables>;

async function keysPage<E extends AdminEnv>(c: Context<E>, notice?: string) {
  const now = new Date();
  const ctx: KeyContext = c.var.services.keys;
  const [keys, csrf] = await Promise.all([ctx.store.list(ctx.issuer), formCsrfToken(c)]);
  const signing = signingKeyAt(keys, now);
  return c.html(
    <KeysPage
      csrf={csrf}
      issuer={ctx.issuer}
      keys={keys.map((key) => ({ ...key, state: stateAt(key, now) }))}
      rotationDue={signing ? rotationDueAt(signing, ctx.policy) : undefined}
      notice={notice ?? doneNotice(DONE, c.req.query('done'), c.req.query('n'))}
    />,
  );
}

async function emergencyPage<E extends AdminEnv>(c: Context<E>, error?: string) {
  const { keys: ctx } = c.var.services;
  const signing = signingKeyAt(await ctx.store.list(ctx.issuer), new Date());
  return c.html(
    <ConfirmPage
      title="Emergency key rotation"
      section="keys"
      csrf={await formCsrfToken(c)}
      action="/admin/keys/emergency"
      phrase={EMERGENCY_PHRASE}
      submit="Rotate now"
      cancel="/admin/keys"
      error={error}
      hidden={{ [REVOKES_FIELD]: signing?.kid ?? '' }}
    >
      <p>
        For a signing key that may have leaked. A new key signs from now on;{' '}
        {signing ? (
          <>
            the current key <code>{signing.kid}</code> is revoked
          </>
        ) : (
          'no key is signing now, so none is revoked'
        )}
        : it leaves the JWKS, and every token it signed fails verification once verifiers refetch
        the JWKS (offline verifiers within their cache lifetime). Users of the API and of OAuth
        clients keep their sessions; their next refresh gets tokens signed by the new key. This
        cannot be undone.
      </p>
    </ConfirmPage>,
    error ? 400 : 200,
  );
}

const purge = (issuer: string) => purgeEdgeCache([jwksUrl(issuer), discoveryUrl(issuer)]);

export const adminConsoleKeys = new Hono<AppEnv>()
  .get('/admin/keys', adminOnly(), (c) => keysPage(c))
  .post('/admin/keys/advance', ...form, adminOnly(), async (c) => {
    const { keys: ctx } = c.var.services;
    const result = await advanceKeys(ctx, new Date());
    if (result.changed) {
      await purge(ctx.issuer);
      c.var.services.audit.record({
        type: 'key_rotated',
        ...actorOf(c.var.admin),
        details: {
          source: 'console',
          issuer: ctx.issuer,
          step: result.step,
          created_kid: result.createdKid,
          states_updated: result.statesUpdated,
        },
      });
    }
    return c.redirect(`/admin/keys?done=${result.step}&n=${result.statesUpdated}`, 303);
  })
  .get('/admin/keys/emergency', adminOnly(), (c) => emergencyPage(c))
  .post('/admin/keys/emergency', ...form, adminOnly(), async (c) => {
    const { keys: ctx } = c.var.services;
    const fields = c.var.pageForm;
    if ((fields[CONFIRM_FIELD] ?? '').trim().toLowerCase() !== EMERGENCY_PHRASE) {
      return emergencyPage(c, `Type "${EMERGENCY_PHRASE}" to confirm the rotation.`);
    }
    const now = new Date();
    const signing = signingKeyAt(await ctx.store.list(ctx.issuer), now);
    if ((signing?.kid ?? '') !== (fields[REVOKES_FIELD] ?? '')) {
      return emergencyPage(
        c,
        'The signing key changed since this page was shown (another rotation?). Check the key below and confirm again.',
      );
    }
    let rotation: { kid: string; revoked: string | undefined };
    let warning: string | undefined;
    try {
      rotation = await rotateInEmergency(ctx, c.var.services.keySetVersion, now);
    } catch (error) {
      if (!(error instanceof KeySetVersionNotBumpedError)) throw error;
      // The SQL change is made: say what is missing, as `npm run keys -- rotate` does.
      rotation = error.rotation;
      warning = `The new key ${rotation.kid} signs and ${rotation.revoked ?? 'no key'} is revoked, but the key-set version could not be bumped: other isolates stop signing with the revoked key only within KEY_CACHE_TTL (${ctx.policy.cacheTtl} s). Run \`npm run keys -- bump-version\` once Redis answers.`;
    }
    // This isolate at once; the others at their next session-script reply (the version).
    forgetKeys(ctx.issuer);
    await purge(ctx.issuer);
    c.var.services.audit.record({
      type: 'key_rotated',
      ...actorOf(c.var.admin),
      details: {
        source: 'console',
        issuer: ctx.issuer,
        step: 'emergency',
        created_kid: rotation.kid,
        revoked_kid: rotation.revoked,
      },
    });
    if (warning) return keysPage(c, warning);
    return c.redirect('/admin/keys?done=emergency', 303);
  });
