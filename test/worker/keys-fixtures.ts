// A key context for a test-owned issuer, over the real local stack.
import { env } from 'cloudflare:workers';
import { keyContext } from '../../src/compose/key-context.ts';
import type { KeyContext } from '../../src/auth/keys/service.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createStores } from '../../src/store/index.ts';

export function keysFor(issuer: string, overrides: Record<string, string> = {}): KeyContext {
  const config = loadConfig({ ...env, ISSUER: issuer, ...overrides });
  return keyContext(config, createStores(config).db);
}

export const tokenSettings = (issuer: string) => ({
  issuer,
  audiences: ['http://api.test'],
  ttl: 900,
  clockSkew: 30,
});
