// zod-openapi validates requests against the same schemas that document them; this hook turns
// a failed validation into our `invalid_request` error, naming the failing field.
import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import { AuthError } from '../shared/errors.ts';

interface Issue {
  path: PropertyKey[];
  message: string;
}

export function describeIssues(issues: readonly Issue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const field = issue.path.map(String).join('.');
      return field ? `${field}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    throw new AuthError('invalid_request', describeIssues(result.error.issues));
  }
};
