// OAuth clients in the console: the list, one client, and the page that shows a new secret
// (after a registration or a rotation) the one time it exists in clear.
import type { FC } from 'hono/jsx';
import type { OAuthClient } from '../../../oauth/clients.ts';
import { AdminFrame, DataTable, Notice, Time } from './frame.tsx';

export const ClientsPage: FC<{ clients: OAuthClient[]; notice?: string | undefined }> = ({
  clients,
  notice,
}) => (
  <AdminFrame title="OAuth clients" section="clients">
    <Notice message={notice} />
    <p>
      <a href="/admin/clients/new">Register a client</a>
    </p>
    {clients.length === 0 ? (
      <p class="muted">No client is registered.</p>
    ) : (
      <DataTable
        caption={'Registered clients, by id.'}
        columns={['Client', 'Type', 'Grant types', 'Scopes', 'Created']}
      >
        {clients.map((client) => (
          <tr>
            <td>
              <a href={`/admin/clients/${encodeURIComponent(client.clientId)}`}>{client.name}</a>
              <small>{client.clientId}</small>
            </td>
            <td>
              {client.type}
              {client.firstParty ? <small>first party</small> : null}
            </td>
            <td>{client.grantTypes.join(', ')}</td>
            <td>{client.scopes.join(' ')}</td>
            <td>
              <Time at={client.createdAt} />
            </td>
          </tr>
        ))}
      </DataTable>
    )}
  </AdminFrame>
);

const List: FC<{ items: string[] }> = ({ items }) =>
  items.length === 0 ? (
    <span class="muted">none</span>
  ) : (
    <>
      {items.map((item) => (
        <div class="mono">{item}</div>
      ))}
    </>
  );

export const ClientPage: FC<{ client: OAuthClient }> = ({ client }) => {
  const base = `/admin/clients/${encodeURIComponent(client.clientId)}`;
  const ttl = (seconds: number | null) => (seconds === null ? 'service default' : `${seconds} s`);
  return (
    <AdminFrame title={client.name} section="clients">
      <dl class="facts">
        <dt>Client id</dt>
        <dd class="mono">{client.clientId}</dd>
        <dt>Type</dt>
        <dd>{client.type}</dd>
        <dt>First party</dt>
        <dd>{client.firstParty ? 'yes (no consent page)' : 'no (users are asked for consent)'}</dd>
        <dt>Grant types</dt>
        <dd>{client.grantTypes.join(', ')}</dd>
        <dt>Scopes</dt>
        <dd>{client.scopes.join(' ')}</dd>
        <dt>Redirect URIs</dt>
        <dd>
          <List items={client.redirectUris} />
        </dd>
        <dt>Audience</dt>
        <dd>
          {client.audience.length > 0 ? <List items={client.audience} /> : 'service AUDIENCES'}
        </dd>
        <dt>Resource audiences</dt>
        <dd>
          <List items={client.resourceAudiences} />
        </dd>
        <dt>Access token TTL</dt>
        <dd>{ttl(client.accessTokenTtl)}</dd>
        <dt>Refresh token TTL</dt>
        <dd>{ttl(client.refreshTokenTtl)}</dd>
        <dt>Logo</dt>
        <dd>
          {client.logoUri ? (
            <span class="mono">{client.logoUri}</span>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        <dt>Post-logout URIs</dt>
        <dd>
          <List items={client.postLogoutRedirectUris} />
        </dd>
        <dt>Back-channel logout</dt>
        <dd>
          {client.backchannelLogoutUri ? (
            <span class="mono">{client.backchannelLogoutUri}</span>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time at={client.createdAt} />
        </dd>
      </dl>
      <div class="actions">
        {client.type === 'confidential' ? (
          <a href={`${base}/rotate-secret`}>Rotate the secret…</a>
        ) : null}
        <a href={`${base}/delete`}>Delete…</a>
      </div>
    </AdminFrame>
  );
};

/** The secret, shown this once: only its SHA-256 is stored. */
export const SecretPage: FC<{
  title: string;
  client: Pick<OAuthClient, 'clientId' | 'name'>;
  secret: string | null;
}> = ({ title, client, secret }) => (
  <AdminFrame title={title} section="clients">
    <dl class="facts">
      <dt>Client</dt>
      <dd>{client.name}</dd>
      <dt>Client id</dt>
      <dd class="mono" id="client-id">
        {client.clientId}
      </dd>
    </dl>
    {secret === null ? (
      <p>A public client has no secret: it proves itself with PKCE.</p>
    ) : (
      <>
        <h2>Client secret</h2>
        <p class="alert" role="alert">
          Copy it now: it is shown this once and cannot be read again (only its hash is stored).
        </p>
        <p class="secret" id="client-secret">
          {secret}
        </p>
      </>
    )}
    <p>
      <a href={`/admin/clients/${encodeURIComponent(client.clientId)}`}>Go to the client</a>
    </p>
  </AdminFrame>
);
