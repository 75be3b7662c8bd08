// Builds the key service's context from config and a database handle.
import type { Config } from '../../config/index.ts';
import { drizzleSigningKeyStore } from '../../store/signing-keys.ts';
import type { KeyContext } from './service.ts';

// replaced by the key-set version work (issue 13 item 17)
let observedKeySetVersion: string | null = null;
export const lastObservedKeySetVersion = () => observedKeySetVersion;

export const keyContext = (config: Config, db: unknown): KeyContext => ({
  issuer: config.issuer,
  policy: config.keys,
  store: drizzleSigningKeyStore(db),
  // replaced by the key-set version work (issue 13 item 17)
  observeKeySetVersion: (version) => {
    observedKeySetVersion = version;
  },
});

export const jwksUrl = (issuer: string) => `${issuer}/.well-known/jwks.json`;
export const discoveryUrl = (issuer: string) => `${issuer}/.well-known/openid-configuration`;
