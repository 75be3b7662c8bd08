import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { send } from './helpers.ts';

/**
 * The routes that answer no JSON: the hosted HTML pages and their forms, the docs page and its
 * script. README's "HTML pages" lists the same pages. Every other route mounted in
 * src/http/app.ts must be in /openapi.json.
 */
const NOT_JSON = new Set([
  'GET /login',
  'POST /login',
  'GET /register',
  'POST /register',
  'GET /reset-password',
  'POST /reset-password',
  'GET /account',
  'POST /logout',
  'POST /logout-all',
  'GET /api/v1/auth/verify-email',
  'POST /api/v1/auth/verify-email/confirm',
  'POST /oauth/end-session/confirm',
  'GET /docs',
  'GET /docs/assets/{file}',
]);
/** Whole sections of HTML pages and forms: the account page's and the admin console's. */
const NOT_JSON_SECTIONS = ['/account', '/admin'];

const inSection = (path: string) =>
  NOT_JSON_SECTIONS.some((section) => path === section || path.startsWith(`${section}/`));

/** `METHOD /path/{param}` for every route the app mounts; middleware (`ALL`) left out. */
function mountedRoutes(): string[] {
  const keys = createApp()
    .routes.filter((route) => route.method !== 'ALL')
    .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
  return [...new Set(keys)];
}

async function documentedOperations(): Promise<string[]> {
  const { response } = await send('/openapi.json');
  const doc = await response.json<{ paths: Record<string, Record<string, unknown>> }>();
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('API documentation', () => {
  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const { response } = await send('/openapi.json');
    expect(response.status).toBe(200);
    const doc = await response.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/health']).toHaveProperty('get.responses.503');
  });

  it('documents the OAuth endpoints: form bodies in, their JSON and errors out', async () => {
    const { response } = await send('/openapi.json');
    type Operation = {
      requestBody?: { content: Record<string, unknown> };
      responses: Record<string, { content?: Record<string, unknown> }>;
    };
    const doc = await response.json<{ paths: Record<string, Record<string, Operation>> }>();
    for (const path of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
      const post = doc.paths[path]?.post;
      expect(Object.keys(post?.requestBody?.content ?? {}), path).toEqual([
        'application/x-www-form-urlencoded',
      ]);
      expect(post?.responses['400']?.content, path).toHaveProperty('application/json');
      expect(post?.responses['401']?.content, path).toHaveProperty('application/json');
    }
    expect(doc.paths['/oauth/token']?.post?.responses['200']?.content).toHaveProperty(
      'application/json',
    );
    expect(doc.paths['/oauth/authorize']?.get?.responses).toHaveProperty('303');
    expect(Object.keys(doc.paths['/oauth/userinfo'] ?? {}).sort()).toEqual(['get', 'post']);
  });

  it('documents every mounted route that is not an HTML page', async () => {
    const documented = new Set(await documentedOperations());
    const missing = mountedRoutes().filter(
      (key) => !documented.has(key) && !NOT_JSON.has(key) && !inSection(key.split(' ')[1] ?? ''),
    );
    expect(missing).toEqual([]);
    // The families the first-hour report found missing, named so a regression reads plainly.
    for (const key of [
      'GET /openapi.json',
      'GET /health',
      'POST /oauth/token',
      'GET /oauth/authorize',
      'POST /oauth/consent',
      'GET /oauth/end-session',
      'GET /.well-known/openid-configuration',
      'GET /.well-known/jwks.json',
      'GET /.well-known/revocations',
      'GET /api/v1/account/consents',
      'GET /api/v1/admin/users',
    ]) {
      expect(documented, key).toContain(key);
    }
  });

  it('files every operation under a tag the document declares, in the declared order', async () => {
    const { response } = await send('/openapi.json');
    const doc = await response.json<{
      tags: { name: string; description: string }[];
      paths: Record<string, Record<string, { tags?: string[] }>>;
    }>();
    const declared = doc.tags.map((tag) => tag.name);
    expect(declared[0]).toBe('Auth');
    const untagged: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.tags?.length) untagged.push(`${method.toUpperCase()} ${path}`);
        for (const tag of operation.tags ?? [])
          expect(declared, `${method} ${path}`).toContain(tag);
      }
    }
    expect(untagged).toEqual([]);
  });

  it('documents no operation the app does not mount', async () => {
    const mounted = new Set(mountedRoutes());
    const phantom = (await documentedOperations()).filter((key) => !mounted.has(key));
    expect(phantom).toEqual([]);
  });

  it('lists as HTML only routes that exist and answer HTML', async () => {
    const mounted = new Set(mountedRoutes());
    expect([...NOT_JSON].filter((key) => !mounted.has(key))).toEqual([]);
    // The pages reachable by a plain GET without parameters: a page or a redirect to one.
    for (const path of ['/login', '/register', '/reset-password', '/account', '/docs']) {
      const { response } = await send(path, { redirect: 'manual' });
      await response.body?.cancel();
      if (response.status >= 300 && response.status < 400) continue;
      expect(response.headers.get('Content-Type'), path).toMatch(/^text\/html/);
    }
  });

  it('serves the docs page at /docs', async () => {
    const { response } = await send('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('/openapi.json');
  });

  it('answers unknown paths with a JSON 404', async () => {
    const { response } = await send('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: 'not_found',
      error_description: 'No such resource.',
    });
  });
});
