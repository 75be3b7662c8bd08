// /oauth: the token, introspection, revocation and userinfo endpoints (the authorization
// endpoint is src/http/routes/oauth-authorize.tsx). Bodies are forms, errors RFC 6749 §5.2 JSON,
// every answer `Cache-Control: no-store`.
import { OpenAPIHono } from '@hono/zod-openapi';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { oauthNoStore } from '../cache-control.ts';
import { oauthForm, presentedClientCredentials } from '../oauth-form.ts';
import { requireAuthAlongside } from '../require-auth.ts';
import { documentOAuthRoutes } from './oauth-openapi.ts';
import { authenticateClient } from '../../oauth/client-auth.ts';
import { needsUserRecord, OPENID, userClaims } from '../../oauth/claims.ts';
import { exchangeToken, type GrantDeps } from '../../oauth/grants.ts';
import { introspect, revoke } from '../../oauth/introspection.ts';
import { tokenReferenceOf } from '../../oauth/token-reference.ts';
import { tokenRequestFor } from '../../oauth/token-request.ts';

// Documented, not validated, by zod-openapi: the bodies keep their own form rules.
const documented = new OpenAPIHono<AppEnv>();
documentOAuthRoutes(documented.openAPIRegistry);

export const oauthRoutes = documented
  .post('/token', async (c) => {
    const form = await oauthForm(c);
    const { services } = c.var;
    const tokens = services.tokens;
    // Client credentials sign without a session script: their key-set version GET (item 17)
    // starts now, so its Redis round trip runs in parallel with the SQL client lookup.
    const keySetVersion =
      form.grant_type === 'client_credentials' ? tokens.readKeySetVersion() : undefined;
    keySetVersion?.catch(() => {}); // awaited by the grant; unobserved if auth fails first
    const client = await authenticateClient(
      presentedClientCredentials(c, form),
      c.var.services.oauthClients,
    );
    // The whole request is checked before the grant spends anything.
    const request = tokenRequestFor(client, form);
    const deps: GrantDeps = {
      tokens,
      users: services.users,
      codes: c.var.services.authorizationCodes,
      sessions: tokens.sessions,
      audit: c.var.services.audit,
      client: c.var.services.client,
      keySetVersion,
    };
    return c.json(await exchangeToken(deps, client, request), 200, oauthNoStore);
  })
  .post('/introspect', async (c) => {
    const form = await oauthForm(c);
    const client = await authenticateClient(
      presentedClientCredentials(c, form),
      c.var.services.oauthClients,
    );
    // RFC 7662 §2.1: the endpoint is protected; a public client holds no credential.
    if (client.type !== 'confidential') {
      throw new AuthError('invalid_client', 'Introspection needs a confidential client.', {
        headers: { 'WWW-Authenticate': 'Basic realm="edge-auth"' },
      });
    }
    const answer = await introspect(
      c.var.services.tokens,
      tokenReferenceOf(form),
      client,
      c.var.services.revocations,
    );
    return c.json(answer, 200, oauthNoStore);
  })
  .post('/revoke', async (c) => {
    const form = await oauthForm(c);
    const client = await authenticateClient(
      presentedClientCredentials(c, form),
      c.var.services.oauthClients,
    );
    await revoke(c.var.services.tokens, client, tokenReferenceOf(form), c.var.services.revocations);
    // RFC 7009 §2.2: 200 whether or not the token was valid.
    return c.body(null, 200, oauthNoStore);
  })
  .on(
    ['GET', 'POST'],
    '/userinfo',
    // OIDC Core §5.3.1: "The Client sends the UserInfo Request using either HTTP GET or HTTP
    // POST. The Access Token obtained from an OpenID Connect Authentication Request MUST be
    // sent as a Bearer Token, per Section 2 of OAuth 2.0 Bearer Token Usage [RFC6750]": the
    // header, or (POST) the form body. Only a token of an OpenID grant opens it. The user row
    // is read beside the revocation check, and only when the scope releases claims it holds.
    requireAuthAlongside(
      (services, token) =>
        needsUserRecord(String(token.scope ?? ''))
          ? services.users.profile(token.sub).then((user) => user ?? null)
          : Promise.resolve(undefined),
      { anyAudience: true, scope: OPENID, formBodyToken: true },
    ),
    async (c) => {
      const user = c.var.alongside;
      // The session is alive (requireAuth checked) but the user row is gone: treat as revoked.
      if (user === null) throw new AuthError('invalid_token', 'The user no longer exists.');
      const { sub, scope } = c.var.auth;
      // §5.3.2: `sub` always; the rest as the granted scopes release them (§5.4).
      return c.json(
        { sub, ...(user ? userClaims(user, String(scope ?? '')) : {}) },
        200,
        oauthNoStore,
      );
    },
  );
