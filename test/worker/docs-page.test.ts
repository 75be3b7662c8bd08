// /docs names nothing outside this origin: its scripts are the worker's own (nonce, SRI digest),
// its CSP allows no other host, and the reference UI's bundle is served here with long caching.
// The offline rendering itself is checked in Chromium: test/node/docs-offline-browser.test.ts.
import { describe, expect, it } from 'vitest';
import { send } from './helpers.ts';

async function docsPage() {
  const { response } = await send('/docs');
  expect(response.status).toBe(200);
  const csp = response.headers.get('Content-Security-Policy') ?? '';
  return { response, csp, html: await response.text() };
}

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name ?? '', values]),
  );
}

const scriptTags = (html: string) => [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
const attribute = (attributes: string | undefined, name: string) =>
  new RegExp(`\\b${name}="([^"]*)"`).exec(attributes ?? '')?.[1];

describe('/docs', () => {
  it('allows scripts from this origin and its nonce, connections to this origin, no host', async () => {
    const { response, csp } = await docsPage();
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const policy = directives(csp);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'", `'nonce-${nonce}'`]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('font-src')).toEqual(["'self'", 'data:']);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/https?:|\*/);
  });

  it('loads only its own bundle, with the response nonce, and no outside URL', async () => {
    const { csp, html } = await docsPage();
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    const tags = scriptTags(html);
    expect(tags).toHaveLength(2);
    for (const tag of tags) expect(attribute(tag, 'nonce')).toBe(nonce);
    expect(attribute(tags[0], 'src')).toMatch(
      /^\/docs\/assets\/scalar-api-reference\.[0-9a-f]{16}\.js$/,
    );
    expect(attribute(tags[0], 'integrity')).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);
    expect(html).not.toMatch(/https?:\/\/|src="\/\//);
  });

  it('turns off every Scalar feature that calls another host', async () => {
    const { html } = await docsPage();
    const config = JSON.parse(/createApiReference\('#app', (\{.*\})\);/.exec(html)?.[1] ?? '{}');
    expect(config).toMatchObject({
      url: '/openapi.json',
      withDefaultFonts: false,
      telemetry: false,
      showDeveloperTools: 'never',
      agent: { disabled: true },
      mcp: { disabled: true },
    });
    expect(config).not.toHaveProperty('proxyUrl');
    expect(config).not.toHaveProperty('cdn');
  });

  it('serves the bundle its integrity names, cacheable for a year as immutable', async () => {
    const { html } = await docsPage();
    const tag = scriptTags(html)[0];
    const src = attribute(tag, 'src') ?? '';
    const { response } = await send(src);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-384', bytes));
    const actual = btoa(String.fromCharCode(...digest));
    expect(
      `sha384-${actual}`,
      `the bundle changed: set BUNDLE_SHA384 in src/http/routes/docs-assets.ts to '${actual}'`,
    ).toBe(attribute(tag, 'integrity'));
    const hex = Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
    expect(src).toContain(hex);
    // Scalar's standalone build: its last statement defines the global the inline script calls.
    expect(new TextDecoder().decode(bytes.subarray(-4096))).toContain(
      'window.Scalar={createApiReference:',
    );
  });

  it('answers any other asset name with the JSON 404', async () => {
    for (const path of [
      '/docs/assets/scalar-api-reference.0000000000000000.js',
      '/docs/assets/standalone.js',
    ]) {
      const { response } = await send(path);
      expect(response.status, path).toBe(404);
      expect(await response.json(), path).toMatchObject({ error: 'not_found' });
    }
  });
});
