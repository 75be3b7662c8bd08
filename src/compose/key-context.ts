// Builds the key service's context from config and a database handle.
import type { Config } from '../config/index.ts';
import type { Db } from '../store/db.ts';
import { drizzleSigningKeyStore } from '../store/signing-keys.ts';
import { type KeyContext, observeKeySetVersion } from '../auth/keys/service.ts';

export const keyContext = (config: Config, db: Db): KeyContext => ({
  issuer: config.issuer,
  policy: config.keys,
  store: drizzleSigningKeyStore(db),
  observeKeySetVersion: (version) => observeKeySetVersion(config.issuer, version),
});
