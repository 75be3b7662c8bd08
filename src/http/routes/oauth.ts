// /oauth: the token, introspection, revocation and userinfo endpoints (the authorization
// endpoint is src/http/routes/oauth-authorize.ts). Bodies are forms, errors RFC 6749 §5.2 JSON,
// every answer `Cache-Control: no-store`.
import { Hono } from 'hono';
import { AuthError } from '../../shared/errors.ts';
import { audit } from '../audit.ts';
import type { AppEnv } from '../context.ts';
import { oauthNoStore } from '../cache-control.ts';
import { oauthForm } from '../oauth-form.ts';
import { requireAuth } from '../require-auth.ts';
import { clientInfo, revocationDeps, tokenDeps } from '../../compose/services.ts';
import { authenticateClient } from '../../oauth/client-auth.ts';
import {
  authorizationCodeGrant,
  clientCredentialsGrant,
  type GrantDeps,
  refreshTokenGrant,
} from '../../oauth/grants.ts';
import { introspect, revoke } from '../../oauth/introspection.ts';
import { redisAuthorizationCodeStore } from '../../store/authorization-codes.ts';
import { drizzleOAuthClientStore } from '../../store/oauth-clients.ts';
import { drizzleUserStore } from '../../store/users.ts';

const GRANTS = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
} as const;

export const oauthRoutes = new Hono<AppEnv>()
  .post('/token', async (c) => {
    const form = await oauthForm(c);
    const { config, stores } = c.var;
    const tokens = tokenDeps(c);
    // Client credentials sign without a session script: their key-set version GET (item 17)
    // starts now, so its Redis round trip runs in parallel with the SQL client lookup.
    const keySetVersion =
      form.grant_type === 'client_credentials' ? tokens.readKeySetVersion() : undefined;
    keySetVersion?.catch(() => {}); // awaited by the grant; unobserved if auth fails first
    const client = await authenticateClient(c, form, drizzleOAuthClientStore(stores.db));
    const grantType = form.grant_type;
    if (!grantType) throw new AuthError('invalid_request', 'grant_type is required.');
    if (!(grantType in GRANTS)) throw new AuthError('unsupported_grant_type');
    const name = grantType as keyof typeof GRANTS;
    if (!client.grantTypes.includes(name)) {
      throw new AuthError('unauthorized_client', `This client may not use ${name}.`);
    }
    const deps: GrantDeps = {
      tokens,
      users: drizzleUserStore(stores.db),
      codes: redisAuthorizationCodeStore(stores.redis, config.redis.keyPrefix),
      sessions: tokens.sessions,
      audit: audit(c),
      client: clientInfo(c),
      keySetVersion,
    };
    return c.json(await GRANTS[name](deps, client, form), 200, oauthNoStore);
  })
  .post('/introspect', async (c) => {
    const form = await oauthForm(c);
    const client = await authenticateClient(c, form, drizzleOAuthClientStore(c.var.stores.db));
    // RFC 7662 §2.1: the endpoint is protected; a public client holds no credential.
    if (client.type !== 'confidential') {
      throw new AuthError('invalid_client', 'Introspection needs a confidential client.', {
        headers: { 'WWW-Authenticate': 'Basic realm="edge-auth"' },
      });
    }
    if (!form.token) throw new AuthError('invalid_request', 'token is required.');
    const answer = await introspect(tokenDeps(c), form.token, client, revocationDeps(c));
    return c.json(answer, 200, oauthNoStore);
  })
  .post('/revoke', async (c) => {
    const form = await oauthForm(c);
    const client = await authenticateClient(c, form, drizzleOAuthClientStore(c.var.stores.db));
    if (!form.token) throw new AuthError('invalid_request', 'token is required.');
    await revoke(tokenDeps(c), client, form.token, revocationDeps(c));
    // RFC 7009 §2.2: 200 whether or not the token was valid.
    return c.body(null, 200, oauthNoStore);
  })
  .on(['GET', 'POST'], '/userinfo', requireAuth({ anyAudience: true }), async (c) => {
    const user = await drizzleUserStore(c.var.stores.db).findById(c.var.auth.sub);
    if (!user) throw new AuthError('invalid_token', 'The user no longer exists.');
    // OIDC Core §5.3.2: sub always; the rest as the user's profile claims.
    return c.json(
      {
        sub: user.id,
        email: user.email,
        email_verified: user.emailVerifiedAt !== null,
        ...(user.name ? { name: user.name } : {}),
        roles: user.roles,
      },
      200,
      oauthNoStore,
    );
  });
