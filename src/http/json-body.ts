// Request bodies of the JSON API: at most 16 KiB (413) and application/json (415). The
// route's zod schema then validates the content (400 naming the field).
import { bodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { every } from 'hono/combine';
import { AuthError } from '../shared/errors.ts';
import type { AppEnv } from './context.ts';

export const MAX_JSON_BODY = 16 * 1024;

const hasBody = (req: Request) =>
  (req.headers.get('Content-Length') ?? '0') !== '0' || req.headers.has('Transfer-Encoding');

export function jsonBody(options: { optional?: boolean } = {}): MiddlewareHandler<AppEnv> {
  const contentType = createMiddleware<AppEnv>(async function jsonContentType(c, next) {
    if (options.optional && !hasBody(c.req.raw)) return next();
    const type = (c.req.header('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new AuthError('unsupported_media_type');
    return next();
  });
  const limit = bodyLimit({
    maxSize: MAX_JSON_BODY,
    onError: () => {
      throw new AuthError('payload_too_large', `The request body exceeds ${MAX_JSON_BODY} bytes.`);
    },
  });
  return every(contentType, limit);
}
