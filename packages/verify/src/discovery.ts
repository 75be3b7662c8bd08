// The issuer's metadata (OpenID Connect Discovery 1.0 §4 / RFC 8414 §3): where its keys,
// revocation feed and introspection endpoint are. OIDC Discovery §4.3: "The issuer value
// returned MUST be identical to the Issuer URL that was used as the prefix to
// /.well-known/openid-configuration to retrieve the configuration information."
import { RemoteDocument, type DocumentOptions } from './remote-document.ts';

export interface IssuerMetadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint?: string;
  introspection_endpoint?: string;
  /** edge-auth's revocation feed (not an IANA-registered member). */
  revocation_feed_uri?: string;
}

const optionalUrl = (value: unknown, name: string): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^https?:\/\//.test(value)) {
    throw new Error(`discovery: "${name}" is not a URL`);
  }
  return value;
};

export function discoveryDocument(issuer: string, options: DocumentOptions) {
  return new RemoteDocument<IssuerMetadata>(
    `${issuer}/.well-known/openid-configuration`,
    (json) => {
      const doc = json as Record<string, unknown>;
      if (doc?.issuer !== issuer)
        throw new Error('discovery: "issuer" is not the issuer asked for');
      const jwks = optionalUrl(doc.jwks_uri, 'jwks_uri');
      if (!jwks) throw new Error('discovery: no "jwks_uri"');
      const metadata: IssuerMetadata = { issuer, jwks_uri: jwks };
      const token = optionalUrl(doc.token_endpoint, 'token_endpoint');
      const introspection = optionalUrl(doc.introspection_endpoint, 'introspection_endpoint');
      const feed = optionalUrl(doc.revocation_feed_uri, 'revocation_feed_uri');
      if (token) metadata.token_endpoint = token;
      if (introspection) metadata.introspection_endpoint = introspection;
      if (feed) metadata.revocation_feed_uri = feed;
      return metadata;
    },
    options,
  );
}
