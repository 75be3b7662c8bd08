// The API reference UI's one script: Scalar's standalone browser bundle from the pinned
// @scalar/api-reference package (package.json), bundled into the worker as bytes (wrangler.toml's
// Data rule) and served from this origin, so /docs needs no CDN and works offline.
//
// Its URL carries the bundle's own digest: a new package version is a new URL, so the file can be
// cached for a year as immutable (RFC 8246: "the response will not be updated while it's
// fresh"), and the page names the same digest in the script's `integrity` (W3C Subresource
// Integrity), so a browser runs only the bytes this worker was built with.
//
// The path is relative because the package's `exports` do not list the file, and the vitest
// pool resolves package paths through them (wrangler would not); npm hoists the package to the
// root node_modules (package.json lists it directly).
import bundle from '../../../node_modules/@scalar/api-reference/dist/browser/standalone.js';
import type { Context } from 'hono';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';

export const DOCS_ASSETS_PATH = '/docs/assets';

/**
 * SHA-384 of the bundle (base64), written down rather than computed: digesting ~5 MB costs 20-40
 * ms of CPU, more than a whole request may use on Workers' free plan. test/worker/docs-page.test.ts
 * digests the bytes served and fails, printing the new value, when the package changes.
 */
export const BUNDLE_SHA384 = 'oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ';

const digestPrefix = Array.from(atob(BUNDLE_SHA384).slice(0, 8), (ch) =>
  ch.charCodeAt(0).toString(16).padStart(2, '0'),
).join('');

/** The script element's attributes: a root-relative URL named by the digest, and the SRI. */
export const referenceBundle = {
  src: `${DOCS_ASSETS_PATH}/scalar-api-reference.${digestPrefix}.js`,
  integrity: `sha384-${BUNDLE_SHA384}`,
} as const;

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** GET /docs/assets/:file: the bundle under its digest name; any other name is a 404. */
export function serveDocsAsset(c: Context<AppEnv>): Response {
  if (c.req.path !== referenceBundle.src) throw new AuthError('not_found');
  return new Response(bundle, {
    headers: {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': IMMUTABLE,
    },
  });
}
