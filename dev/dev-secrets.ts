// Secrets for the local stack only: generated once, kept in the git-ignored .data folder so
// signing keys sealed under the dev KEK stay readable across `npm run dev` restarts.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { devDataDir } from './data-dir.ts';

export interface DevSecrets {
  KEY_ENCRYPTION_KEY: string;
}

export function devSecrets(): DevSecrets {
  const file = join(devDataDir(), 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const secrets: DevSecrets = {
    KEY_ENCRYPTION_KEY: `dev1:${randomBytes(32).toString('base64url')}`,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
