// ROLE_SCOPES: "role=scope scope;role=scope". The defaults follow the project's RBAC design:
// five roles, three scopes. Access tokens carry the roles and the union of their scopes.
import { SCOPE_TOKEN } from '../shared/scope-token.ts';

export type RoleScopes = ReadonlyMap<string, readonly string[]>;

export const DEFAULT_ROLE_SCOPES =
  'admin=read write admin;developer=read write;researcher=read write;evaluator=read;viewer=read';

const NAME = /^[a-z][a-z0-9_-]{0,31}$/;

export function parseRoleScopes(raw: string): RoleScopes | string {
  const roles = new Map<string, string[]>();
  for (const entry of raw
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [role = '', scopes = ''] = entry.split('=', 2).map((part) => part.trim());
    if (!NAME.test(role)) return `"${role}" is not a role name (lower-case, 1-32 characters)`;
    const list = scopes.split(/\s+/).filter(Boolean);
    const bad = list.find((scope) => !SCOPE_TOKEN.test(scope));
    if (bad) return `scope "${bad}" of role "${role}" has characters RFC 6749 §3.3 forbids`;
    roles.set(role, list);
  }
  if (roles.size === 0) return 'defines no role';
  return roles;
}

/** The space-separated union of the scopes the roles grant, in a stable order. */
export function scopesOf(roles: readonly string[], roleScopes: RoleScopes): string {
  const scopes = new Set<string>();
  for (const role of roles) for (const scope of roleScopes.get(role) ?? []) scopes.add(scope);
  return [...scopes].sort().join(' ');
}
