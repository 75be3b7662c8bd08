import { describe, expect, it } from 'vitest';
import { send } from './helpers.ts';

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
