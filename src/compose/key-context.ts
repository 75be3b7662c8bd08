// Builds the key service's context from config and a database handle.
import type { Config } from '../config/index.ts';
import type { Db } from '../store/db.ts';
import { drizzleSigningKeyStore } from '../store/signing-keys.ts';
import { type KeyContext, observeKeySetVersion } from '../auth/keys/service.ts';

/** `defer` (ctx.waitUntil): key-set reloads run in the background ahead of expiry. */
export const keyContext = (
  config: Config,
  db: Db,
  defer?: (work: Promise<unknown>) => void,
): KeyContext => ({
  issuer: config.issuer,
  policy: config.keys,
  store: drizzleSigningKeyStore(db),
  observeKeySetVersion: (version) => observeKeySetVersion(config.issuer, version),
  defer,
});
