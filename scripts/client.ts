// `npm run client -- create | list | rotate-secret | delete`: OAuth clients from the Node side,
// against the local stack (default) or DATABASE_URL, with the Worker's registration rules
// (src/oauth/clients.ts) under its configuration: pass the deployed ROLE_SCOPES,
// ACCESS_TOKEN_TTL and SESSION_MAX_LIFETIME when they are not the defaults.
import { parseArgs } from 'node:util';
import { parseDurationSeconds } from '../src/config/duration.ts';
import type { ToolServices } from '../src/compose/tool-services.ts';
import type { OAuthClient } from '../src/oauth/clients.ts';
import { CliError, cliAuditRecorder, runWithToolDb } from './admin-cli.ts';

const USAGE = `usage:
  npm run client -- create --name NAME --grant GRANT... --scope SCOPE...
      [--redirect-uri URI]... [--public] [--audience AUD]... [--id SLUG]
      [--resource-server AUD]...
      [--access-token-ttl DURATION] [--refresh-token-ttl DURATION]
      [--first-party] [--logo-uri URI] [--post-logout-redirect-uri URI]...
      [--backchannel-logout-uri URI]
      GRANT: authorization_code, refresh_token, client_credentials; DURATION: 900, 15m, 7d
      a confidential client's secret is printed once: only its SHA-256 is stored
      --resource-server AUD: the client serves AUD; it may introspect access tokens whose
      aud names AUD (without it, a client introspects only tokens issued to it)
      --first-party: a trusted app of yours, whose users see no consent page; without it
      the client is third-party and each user consents once per scope
      --post-logout-redirect-uri, --backchannel-logout-uri: OIDC RP-initiated and
      back-channel logout
  npm run client -- list
  npm run client -- rotate-secret ID     a new secret, printed once; the old one stops working
  npm run client -- delete ID
exit code: 0 done, 1 error (e.g. no such client, id taken), 2 bad usage or an invalid client`;

type Args = ReturnType<typeof parseCli>['values'];

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      grant: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      'redirect-uri': { type: 'string', multiple: true },
      audience: { type: 'string', multiple: true },
      'resource-server': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      id: { type: 'string' },
      'access-token-ttl': { type: 'string' },
      'refresh-token-ttl': { type: 'string' },
      'first-party': { type: 'boolean' },
      'logo-uri': { type: 'string' },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseDurationSeconds(value);
  if (parsed === undefined) throw new CliError(`--${flag}: not a duration (900, 15m, 7d)`, 2);
  return parsed;
}

const describe = (client: OAuthClient) =>
  [
    `${client.clientId}  ${client.type}  ${client.firstParty ? 'first-party' : 'third-party'}  "${client.name}"`,
    `  grants ${client.grantTypes.join(' ')}; scopes ${client.scopes.join(' ')}`,
    ...(client.redirectUris.length > 0 ? [`  redirect URIs ${client.redirectUris.join(' ')}`] : []),
    ...(client.audience.length > 0 ? [`  audience ${client.audience.join(' ')}`] : []),
    ...(client.resourceAudiences.length > 0
      ? [`  resource server for ${client.resourceAudiences.join(' ')}`]
      : []),
    ...(client.accessTokenTtl !== null ? [`  access token TTL ${client.accessTokenTtl}s`] : []),
    ...(client.refreshTokenTtl !== null ? [`  refresh token TTL ${client.refreshTokenTtl}s`] : []),
    ...(client.logoUri !== null ? [`  logo ${client.logoUri}`] : []),
    ...(client.postLogoutRedirectUris.length > 0
      ? [`  post-logout redirect URIs ${client.postLogoutRedirectUris.join(' ')}`]
      : []),
    ...(client.backchannelLogoutUri !== null
      ? [`  back-channel logout ${client.backchannelLogoutUri}`]
      : []),
  ].join('\n');

/** The domain's client administration on the tool's database; its events, written last. */
function clientAdmin(services: ToolServices) {
  const audit = cliAuditRecorder('npm run client', services);
  return { admin: services.clientAdmin(audit), audit };
}

async function create(args: Args, services: ToolServices): Promise<number> {
  const input = {
    clientId: args.id,
    name: args.name ?? '',
    public: args.public ?? false,
    grantTypes: args.grant ?? [],
    scopes: args.scope ?? [],
    redirectUris: args['redirect-uri'] ?? [],
    audience: args.audience,
    resourceAudiences: args['resource-server'],
    accessTokenTtl: seconds('access-token-ttl', args['access-token-ttl']),
    refreshTokenTtl: seconds('refresh-token-ttl', args['refresh-token-ttl']),
    firstParty: args['first-party'] ?? false,
    logoUri: args['logo-uri'],
    postLogoutRedirectUris: args['post-logout-redirect-uri'],
    backchannelLogoutUri: args['backchannel-logout-uri'],
  };
  const { admin, audit } = clientAdmin(services);
  const created = await admin.create(input, {
    clientId: '--id',
    name: '--name',
    public: '--public',
    grantTypes: '--grant',
    scopes: '--scope',
    redirectUris: '--redirect-uri',
    audience: '--audience',
    resourceAudiences: '--resource-server',
    accessTokenTtl: '--access-token-ttl',
    refreshTokenTtl: '--refresh-token-ttl',
    firstParty: '--first-party',
    logoUri: '--logo-uri',
    postLogoutRedirectUris: '--post-logout-redirect-uri',
    backchannelLogoutUri: '--backchannel-logout-uri',
  });
  if (!created.ok) {
    if (created.reason === 'invalid') throw new CliError(created.problems.join('\n'), 2);
    throw new CliError(created.message);
  }
  const { client, secret } = created;
  console.log(`created ${describe(client)}`);
  console.log(`client_id: ${client.clientId}`);
  if (secret !== null) {
    console.log(`client_secret: ${secret}`);
    console.error('the secret is shown this once: store it now (only its SHA-256 is kept)');
  }
  return (await audit.written()) ? 0 : 1;
}

async function list(services: ToolServices): Promise<number> {
  const { admin, audit } = clientAdmin(services);
  const clients = await admin.list();
  for (const client of clients) console.log(describe(client));
  if (clients.length === 0) console.error('no clients');
  return (await audit.written()) ? 0 : 1;
}

async function rotateSecret(id: string, services: ToolServices): Promise<number> {
  const { admin, audit } = clientAdmin(services);
  const rotated = await admin.rotateSecret(id);
  if (!rotated.ok) {
    throw new CliError(
      rotated.reason === 'public_client'
        ? `${id} is a public client: it has no secret`
        : `no client ${id}`,
    );
  }
  console.log(`client_secret: ${rotated.secret}`);
  console.error('the old secret no longer works; the new one is shown this once');
  return (await audit.written()) ? 0 : 1;
}

async function remove(id: string, services: ToolServices): Promise<number> {
  const { admin, audit } = clientAdmin(services);
  if (!(await admin.delete(id))) throw new CliError(`no client ${id}`);
  console.log(`deleted ${id}`);
  return (await audit.written()) ? 0 : 1;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values: args, positionals } = parsed;
  const [command, id, ...extra] = positionals;
  const valid =
    extra.length === 0 &&
    (((command === 'create' || command === 'list') && id === undefined) ||
      ((command === 'rotate-secret' || command === 'delete') && id !== undefined));
  if (args.help || !valid) {
    console.error(USAGE);
    return args.help ? 0 : 2;
  }
  return runWithToolDb(env, 'clients', (services) => {
    switch (command) {
      case 'create':
        return create(args, services);
      case 'list':
        return list(services);
      case 'rotate-secret':
        return rotateSecret(id ?? '', services);
      default:
        return remove(id ?? '', services);
    }
  });
}

process.exitCode = await main(process.argv.slice(2), process.env);
