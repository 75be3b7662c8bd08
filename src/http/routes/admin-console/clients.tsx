// /admin/clients: OAuth clients in the console, through the admin API's client administration
// (src/oauth/client-admin.ts), so every registration, rotation and deletion is audited as the
// API's, with `source: "console"`. A secret is in exactly one response: the page right after
// the registration or the rotation (no-store, like every console page).
import { type Context, Hono } from 'hono';
import { AuthError } from '../../../shared/errors.ts';
import { GRANT_TYPES, type ClientFieldNames } from '../../../oauth/clients.ts';
import { clientPolicy } from '../../../oauth/clients.ts';
import { formCsrfToken, type PageFormVariables } from '../../browser/form-csrf.ts';
import type { AppEnv, EnvWith } from '../../context.ts';
import { ClientFormPage } from '../../pages/admin/client-form.tsx';
import { ClientPage, ClientsPage, SecretPage } from '../../pages/admin/clients.tsx';
import { CONFIRM_FIELD, ConfirmPage } from '../../pages/admin/confirm.tsx';
import { form } from '../page-kit.tsx';
import { actorOf, type AdminPageVariables, adminOnly, doneNotice } from './guard.tsx';

/** The form's labels, for the problems parseNewClient reports. */
const FIELD_NAMES: ClientFieldNames = {
  clientId: 'client id',
  name: 'name',
  grantTypes: 'grant types',
  scopes: 'scopes',
  redirectUris: 'redirect URIs',
  audience: 'audience',
  resourceAudiences: 'resource audiences',
  accessTokenTtl: 'access token TTL',
  refreshTokenTtl: 'refresh token TTL',
  firstParty: 'first party',
  logoUri: 'logo URI',
  postLogoutRedirectUris: 'post-logout redirect URIs',
  backchannelLogoutUri: 'back-channel logout URI',
};

const words = (text: string | undefined) => (text ?? '').split(/\s+/).filter(Boolean);
const lines = (text: string | undefined) =>
  (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
const optional = (text: string | undefined) => text?.trim() || undefined;
/** Seconds, or undefined (the default); a non-number reaches the schema and is refused there. */
const seconds = (text: string | undefined) => {
  const value = optional(text);
  return value === undefined ? undefined : Number(value);
};

/** The registration form as a NewClient, for parseNewClient to check like the API's body. */
export function newClientOf(fields: Record<string, string>) {
  const audience = words(fields.audience);
  const resourceAudiences = words(fields.resource_audiences);
  return {
    clientId: optional(fields.client_id),
    name: (fields.name ?? '').trim(),
    public: fields.public === 'on',
    grantTypes: GRANT_TYPES.filter((grant) => fields[`grant_${grant}`] === 'on'),
    scopes: words(fields.scopes),
    redirectUris: lines(fields.redirect_uris),
    audience: audience.length > 0 ? audience : undefined,
    resourceAudiences: resourceAudiences.length > 0 ? resourceAudiences : undefined,
    accessTokenTtl: seconds(fields.access_token_ttl),
    refreshTokenTtl: seconds(fields.refresh_token_ttl),
    firstParty: fields.first_party === 'on',
    logoUri: optional(fields.logo_uri),
    postLogoutRedirectUris: lines(fields.post_logout_redirect_uris),
    backchannelLogoutUri: optional(fields.backchannel_logout_uri),
  };
}

type AdminEnv = EnvWith<AdminPageVariables>;

const clientAdmin = <E extends AdminEnv>(c: Context<E>) =>
  c.var.services.clientAdmin(actorOf(c.var.admin), 'console');

const clientIdOf = (raw: string) => {
  if (raw.length === 0 || raw.length > 100) throw notFound();
  return raw;
};
const notFound = () => new AuthError('not_found', 'No such client.');
const base = (id: string) => `/admin/clients/${encodeURIComponent(id)}`;

const DONE: Record<string, (n: number) => string> = { deleted: () => 'Client deleted.' };

/** The confirmation pages of the two irreversible client actions. */
const CONFIRM = {
  'rotate-secret': {
    title: (name: string) => `Rotate the secret of ${name}?`,
    submit: 'Rotate the secret',
    text: 'A new secret is shown once; the old one stops working at once, so the client fails until it is given the new one.',
  },
  delete: {
    title: (name: string) => `Delete ${name}?`,
    submit: 'Delete the client',
    text: 'It can no longer authenticate, refresh or start an authorization; access tokens already issued stay valid until they expire. This cannot be undone.',
  },
} as const;

async function confirmPage<E extends AdminEnv>(
  c: Context<E>,
  action: keyof typeof CONFIRM,
  client: { clientId: string; name: string },
  error?: string,
) {
  const page = CONFIRM[action];
  return c.html(
    <ConfirmPage
      title={page.title(client.name)}
      section="clients"
      csrf={await formCsrfToken(c)}
      action={`${base(client.clientId)}/${action}`}
      phrase={client.clientId}
      submit={page.submit}
      cancel={base(client.clientId)}
      error={error}
    >
      <p>{page.text}</p>
    </ConfirmPage>,
    error ? 400 : 200,
  );
}

/** The client a confirmation page is about (a plain read: the page changes nothing). */
async function existing<E extends AdminEnv>(c: Context<E>) {
  const client = await c.var.services.oauthClients.find(clientIdOf(c.req.param('id') ?? ''));
  if (!client) throw notFound();
  return client;
}

const confirmed = <E extends EnvWith<PageFormVariables>>(c: Context<E>, id: string) =>
  (c.var.pageForm[CONFIRM_FIELD] ?? '').trim() === id;
const MISTYPED = 'Type the client id exactly to confirm.';

export const adminConsoleClients = new Hono<AppEnv>()
  .get('/admin/clients', adminOnly(), async (c) => {
    const clients = await clientAdmin(c).list();
    return c.html(
      <ClientsPage
        clients={clients}
        notice={doneNotice(DONE, c.req.query('done'), c.req.query('n'))}
      />,
    );
  })
  .get('/admin/clients/new', adminOnly(), async (c) =>
    c.html(
      <ClientFormPage
        csrf={await formCsrfToken(c)}
        scopes={[...clientPolicy(c.var.config).scopes]}
      />,
    ),
  )
  .post('/admin/clients', ...form, adminOnly(), async (c) => {
    const created = await clientAdmin(c).create(newClientOf(c.var.pageForm), FIELD_NAMES);
    if (!created.ok) {
      const problems = created.reason === 'invalid' ? created.problems : [created.message];
      const { csrf: _, ...values } = c.var.pageForm;
      return c.html(
        <ClientFormPage
          csrf={await formCsrfToken(c)}
          scopes={[...clientPolicy(c.var.config).scopes]}
          values={values}
          problems={problems}
        />,
        created.reason === 'invalid' ? 400 : 409,
      );
    }
    return c.html(
      <SecretPage title="Client registered" client={created.client} secret={created.secret} />,
      201,
    );
  })
  .get('/admin/clients/:id', adminOnly(), async (c) => {
    const client = await clientAdmin(c).get(clientIdOf(c.req.param('id')));
    if (!client) throw notFound();
    return c.html(<ClientPage client={client} />);
  })
  .get('/admin/clients/:id/rotate-secret', adminOnly(), async (c) =>
    confirmPage(c, 'rotate-secret', await existing(c)),
  )
  .post('/admin/clients/:id/rotate-secret', ...form, adminOnly(), async (c) => {
    const client = await existing(c);
    if (!confirmed(c, client.clientId)) return confirmPage(c, 'rotate-secret', client, MISTYPED);
    const rotated = await clientAdmin(c).rotateSecret(client.clientId);
    if (!rotated.ok) {
      if (rotated.reason === 'not_found') throw notFound();
      throw new AuthError('invalid_request', 'A public client has no secret to rotate.');
    }
    return c.html(<SecretPage title="Secret rotated" client={client} secret={rotated.secret} />);
  })
  .get('/admin/clients/:id/delete', adminOnly(), async (c) =>
    confirmPage(c, 'delete', await existing(c)),
  )
  .post('/admin/clients/:id/delete', ...form, adminOnly(), async (c) => {
    const client = await existing(c);
    if (!confirmed(c, client.clientId)) return confirmPage(c, 'delete', client, MISTYPED);
    if (!(await clientAdmin(c).delete(client.clientId))) throw notFound();
    return c.redirect('/admin/clients?done=deleted', 303);
  });
