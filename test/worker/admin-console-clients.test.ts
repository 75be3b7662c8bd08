// The admin console (/admin): OAuth clients (registered with the secret shown once, the OpenID
// fields included; the secret rotated and the client deleted through a confirmation step) and
// the audit log page (filters, keyset pages). Each action leaves the admin API's audit event,
// with `source: "console"` and the acting admin, and never the secret.
import { describe, expect, it } from 'vitest';
import { auditRowsOfUser, secretsIn } from './audit-fixtures.ts';
import { registerUser } from './auth-fixtures.ts';
import { basicAuth, postForm } from './oauth-fixtures.ts';
import { signedInAdmin, unescaped } from './admin-console-fixtures.ts';

const slug = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

const secretOf = (html: string) =>
  /<p class="secret" id="client-secret">([^<]+)<\/p>/.exec(html)?.[1];

/** A client credentials token request: the status says whether the secret works. */
const tokenWith = (clientId: string, secret: string) =>
  postForm(
    '/oauth/token',
    { grant_type: 'client_credentials', scope: 'read' },
    { Authorization: basicAuth(clientId, secret) },
  );

const newClient = (clientId: string, extra: Record<string, string> = {}) => ({
  name: 'Reporting <job>',
  client_id: clientId,
  grant_client_credentials: 'on',
  scopes: 'read',
  ...extra,
});

describe('admin console: OAuth clients', () => {
  it('registers a client and shows its secret once; the secret works, the list never shows it', async () => {
    const { admin, browser } = await signedInAdmin();
    const clientId = slug('report');
    const created = await browser.submit(
      '/admin/clients/new',
      '/admin/clients',
      newClient(clientId),
    );
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('Cache-Control')).toContain('no-store');
    expect(created.body).toContain('Reporting &lt;job&gt;');
    const secret = secretOf(created.body);
    expect(secret).toBeTruthy();
    expect((await tokenWith(clientId, secret!)).status).toBe(200);

    const list = await browser.get('/admin/clients');
    expect(list.body).toContain(clientId);
    expect(list.body).not.toContain(secret);
    const detail = await browser.get(`/admin/clients/${clientId}`);
    expect(detail.response.status).toBe(200);
    expect(detail.body).not.toContain(secret);

    const [row] = await auditRowsOfUser(admin.user_id, 'admin_client_created');
    expect(row?.details).toMatchObject({
      target: clientId,
      client_type: 'confidential',
      grant_types: ['client_credentials'],
      source: 'console',
    });
    expect(secretsIn(row!, [secret!])).toEqual([]);
    expect((await auditRowsOfUser(admin.user_id, 'admin_client_listed'))[0]?.details).toMatchObject(
      {
        source: 'console',
      },
    );
    expect(await auditRowsOfUser(admin.user_id, 'admin_client_read')).toHaveLength(1);
  });

  it('registers the OpenID fields: first party, logo, post-logout and back-channel URIs', async () => {
    const { browser } = await signedInAdmin();
    const clientId = slug('web');
    const created = await browser.submit('/admin/clients/new', '/admin/clients', {
      name: 'Web app',
      client_id: clientId,
      grant_authorization_code: 'on',
      grant_refresh_token: 'on',
      scopes: 'openid profile email read',
      redirect_uris: 'https://web.example/callback\r\nhttps://web.example/other\r\n',
      first_party: 'on',
      logo_uri: 'https://web.example/logo.png',
      post_logout_redirect_uris: 'https://web.example/bye',
      backchannel_logout_uri: 'https://web.example/backchannel',
      access_token_ttl: '300',
    });
    expect(created.response.status, created.body.slice(0, 400)).toBe(201);
    const detail = unescaped((await browser.get(`/admin/clients/${clientId}`)).body);
    for (const text of [
      'https://web.example/callback',
      'https://web.example/other',
      'https://web.example/logo.png',
      'https://web.example/bye',
      'https://web.example/backchannel',
      'yes (no consent page)',
      '300 s',
    ]) {
      expect(detail).toContain(text);
    }
  });

  it('shows the problems of an invalid registration on the form, keeping what was typed', async () => {
    const { browser } = await signedInAdmin();
    const clientId = slug('bad');
    const refused = await browser.submit('/admin/clients/new', '/admin/clients', {
      ...newClient(clientId),
      grant_client_credentials: '',
      grant_authorization_code: 'on',
      redirect_uris: 'http://evil.example/callback',
      scopes: 'read nonsense',
    });
    expect(refused.response.status).toBe(400);
    const text = unescaped(refused.body);
    expect(text).toContain('The client was not registered');
    expect(text).toContain('redirect URIs');
    expect(text).toContain('nonsense');
    expect(text).toContain(`value="${clientId}"`);
    expect((await browser.get(`/admin/clients/${clientId}`)).response.status).toBe(404);

    const taken = slug('taken');
    await browser.submit('/admin/clients/new', '/admin/clients', newClient(taken));
    const again = await browser.submit('/admin/clients/new', '/admin/clients', newClient(taken));
    expect(again.response.status).toBe(409);
  });

  it('rotates a secret through the confirmation step: the old one stops, the new one works', async () => {
    const { admin, browser } = await signedInAdmin();
    const clientId = slug('rotate');
    const created = await browser.submit(
      '/admin/clients/new',
      '/admin/clients',
      newClient(clientId),
    );
    const oldSecret = secretOf(created.body)!;
    const confirm = `/admin/clients/${clientId}/rotate-secret`;

    const mistyped = await browser.submit(confirm, confirm, { confirm: 'yes' });
    expect(mistyped.response.status).toBe(400);
    expect((await tokenWith(clientId, oldSecret)).status).toBe(200);

    const rotated = await browser.submit(confirm, confirm, { confirm: clientId });
    expect(rotated.response.status).toBe(200);
    const newSecret = secretOf(rotated.body)!;
    expect(newSecret).not.toBe(oldSecret);
    expect((await tokenWith(clientId, oldSecret)).status).toBe(401);
    expect((await tokenWith(clientId, newSecret)).status).toBe(200);
    const [row] = await auditRowsOfUser(admin.user_id, 'admin_client_secret_rotated');
    expect(row?.details).toEqual({ target: clientId, source: 'console' });
    expect(secretsIn(row!, [oldSecret, newSecret])).toEqual([]);
  });

  it('deletes a client through the confirmation step', async () => {
    const { admin, browser } = await signedInAdmin();
    const clientId = slug('delete');
    const created = await browser.submit(
      '/admin/clients/new',
      '/admin/clients',
      newClient(clientId),
    );
    const secret = secretOf(created.body)!;
    const confirm = `/admin/clients/${clientId}/delete`;
    expect((await browser.submit(confirm, confirm, { confirm: 'delete' })).response.status).toBe(
      400,
    );
    expect((await tokenWith(clientId, secret)).status).toBe(200);

    const deleted = await browser.submit(confirm, confirm, { confirm: clientId });
    expect(deleted.response.status).toBe(303);
    expect(deleted.location).toBe('/admin/clients?done=deleted');
    expect((await tokenWith(clientId, secret)).status).toBe(401);
    expect((await browser.get(confirm)).response.status).toBe(404);
    const [row] = await auditRowsOfUser(admin.user_id, 'admin_client_deleted');
    expect(row?.details).toEqual({ target: clientId, source: 'console' });
  });
});

describe('admin console: audit log', () => {
  it("filters by user and type, pages older events, and audits the read as the API's", async () => {
    const target = await registerUser();
    const { admin, browser } = await signedInAdmin();
    const page = `/admin/users/${target.user_id}`;
    for (const action of ['disable', 'enable', 'disable']) {
      await browser.submit(page, `${page}/${action}`);
    }
    await auditRowsOfUser(admin.user_id, 'admin_user_disabled', 2);

    const first = await browser.get(
      `/admin/audit?user_id=${admin.user_id}&type=admin_user_disabled&limit=1`,
    );
    expect(first.response.status).toBe(200);
    expect(first.body.match(/<tr>/g)).toHaveLength(2); // header + one event
    expect(first.body).toContain('admin_user_disabled');
    expect(first.body).not.toContain('>admin_user_enabled<');
    const next = /href="([^"]+)" rel="next"/.exec(first.body)?.[1];
    const second = await browser.get(unescaped(next!));
    expect(second.body.match(/<tr>/g)).toHaveLength(2);
    expect(second.body).not.toContain('rel="next"');

    const since = await browser.get(`/admin/audit?user_id=${admin.user_id}&since=2999-01-01T00:00`);
    expect(since.body).toContain('No event matches.');
    const bad = await browser.get('/admin/audit?user_id=someone');
    expect(bad.response.status).toBe(400);
    expect(bad.body).toContain('User id: enter a user id');
    const damaged = await browser.get('/admin/audit?cursor=nonsense');
    expect(damaged.response.status).toBe(400);

    const reads = await auditRowsOfUser(admin.user_id, 'admin_audit_read', 3);
    expect(reads[0]?.details).toEqual({
      filters: { user_id: admin.user_id, type: 'admin_user_disabled' },
      returned: 1,
    });
    expect(reads[2]?.details).toMatchObject({
      filters: { user_id: admin.user_id, since: '2999-01-01T00:00:00.000Z' },
      returned: 0,
    });
  });
});
