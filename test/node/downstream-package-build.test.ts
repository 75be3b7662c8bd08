// @edge-auth/verify builds (tsc, packages/verify/tsconfig.build.json) and the built package
// loads in plain Node by its published name and subpath, with jose its only runtime import.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGE = join(ROOT, 'packages/verify');

describe('@edge-auth/verify as published', { timeout: 120_000 }, () => {
  it('builds, and loads in Node by name: a malformed token is refused with its code', () => {
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
      cwd: PACKAGE,
      stdio: 'pipe',
    });
    const script = `
      const { createVerifier, VerifyError } = await import('@edge-auth/verify');
      const hono = await import('@edge-auth/verify/hono');
      const verifier = createVerifier({ issuer: 'https://auth.example', audience: 'x' });
      const error = await verifier.verify('not.a-token').catch((e) => e);
      console.log(JSON.stringify({
        code: error instanceof VerifyError ? error.code : String(error),
        hono: Object.keys(hono).sort(),
      }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({
      code: 'token_malformed',
      hono: ['requireRole', 'requireScope', 'verifyAuth'],
    });
  });

  it('the build imports nothing at run time but jose and its own files', () => {
    const dist = join(PACKAGE, 'dist');
    const imports = new Set<string>();
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(dist, file), 'utf8');
      for (const [, spec] of text.matchAll(/^import [^;]*?from '([^']+)'/gm)) imports.add(spec!);
    }
    const external = [...imports].filter((spec) => !spec.startsWith('./'));
    expect(external).toEqual(['jose']);
  });
});
