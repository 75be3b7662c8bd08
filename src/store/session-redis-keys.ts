// Redis key names of sessions (layout: src/store/session-store-scripts.ts). All keys of one user
// carry the hash tag `{uid}`, so any script over them runs within one Redis Cluster slot.
import { keySetVersionKey } from './key-set-version.ts';

export function sessionKeys(prefix: string) {
  const user = (uid: string) => `${prefix}u:{${uid}}`;
  return {
    session: (uid: string, sid: string) => `${user(uid)}:sess:${sid}`,
    index: (uid: string) => `${user(uid)}:sessions`,
    epoch: (uid: string) => `${user(uid)}:ep`,
    /** A revoked access token of a user's session. */
    blacklist: (uid: string, jti: string) => `${user(uid)}:bl:${jti}`,
    /** The signing key-set version (src/auth/keys), read alongside create, rotate and check. */
    keySetVersion: () => keySetVersionKey(prefix),
  };
}
