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

export interface ReferenceBundle {
  /** Root-relative URL, `/docs/assets/scalar-api-reference.<digest prefix>.js`. */
  src: string;
  /** The `integrity` attribute: `sha384-<base64>`. */
  integrity: string;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

// Digesting ~5 MB takes a few milliseconds: once per isolate, on the first /docs request.
let described: Promise<ReferenceBundle> | undefined;

export function referenceBundle(): Promise<ReferenceBundle> {
  described ??= describe();
  return described;
}

async function describe(): Promise<ReferenceBundle> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-384', bundle));
  const prefix = Array.from(digest.subarray(0, 8), (byte) => byte.toString(16).padStart(2, '0'));
  return {
    src: `${DOCS_ASSETS_PATH}/scalar-api-reference.${prefix.join('')}.js`,
    integrity: `sha384-${btoa(String.fromCharCode(...digest))}`,
  };
}

/** GET /docs/assets/:file: the current bundle under its digest name; any other name is a 404. */
export async function serveDocsAsset(c: Context<AppEnv>): Promise<Response> {
  const { src } = await referenceBundle();
  if (c.req.path !== src) throw new AuthError('not_found');
  return new Response(bundle, {
    headers: {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': IMMUTABLE,
    },
  });
}
