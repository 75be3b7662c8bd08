// OAuth request parameters checked with zod. RFC 6749 §5.2 answers the first problem found
// with one error code and a description; the schemas' issues carry both (a missing required
// parameter's message is its description; any other refusal names its code with refuseWith),
// in the order the endpoints have always checked them.
import { z } from 'zod';
import { AuthError, type ErrorCode } from '../shared/errors.ts';

/**
 * An OAuth request's parameters: each at most once, empty ones left out (src/http/oauth-form.ts).
 */
export type OAuthParams = Readonly<Record<string, string>>;

/** The refusal a failed parse turns into: its code, and its description unless the registry's. */
export interface ParamRefusal {
  error: ErrorCode;
  description: string | undefined;
  /** The parameter the problem is about. */
  field: string | undefined;
}

/** A required parameter; `description` is what a request without it is told. */
export const required = (description: string) => z.string({ error: description });

/** An issue refused with `error` (the registry's description when `description` is absent). */
export function refuseWith(ctx: z.RefinementCtx, error: ErrorCode, description?: string): void {
  ctx.addIssue({ code: 'custom', message: description ?? error, params: { error, description } });
}

/** The first problem of a failed parse. */
export function firstRefusal(error: z.ZodError): ParamRefusal {
  const issue = error.issues[0];
  const field = issue?.path[0];
  const where = typeof field === 'string' ? field : undefined;
  if (issue?.code === 'custom' && issue.params?.error !== undefined) {
    const params = issue.params as { error: ErrorCode; description?: string };
    return { error: params.error, description: params.description, field: where };
  }
  return { error: 'invalid_request', description: issue?.message, field: where };
}

/** `params` parsed by `schema`; throws the first problem as an AuthError. */
export function parseParams<T extends z.ZodType>(schema: T, params: OAuthParams): z.output<T> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const { error, description } = firstRefusal(result.error);
  throw new AuthError(error, description);
}
