// The environment every route and middleware runs in, typed the Hono way: each middleware that
// sets variables exports their type (RequestVariables here, AuthVariables in require-auth.ts,
// CookieCsrfVariables and PageFormVariables in browser/), and a route sees a variable only when
// its middleware is in the route's chain. No global ContextVariableMap augmentation.
import type { Services } from '../compose/services.ts';
import type { Bindings, Config } from '../config/index.ts';

/** Set for every request by hono/request-id and requestContext() (src/http/app.ts). */
export interface RequestVariables {
  requestId: string;
  config: Config;
  /** The request's domain services (src/compose/services.ts): the only way to the stores. */
  services: Services;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: RequestVariables;
}

/** The environment of a middleware that adds `V` to every request's variables. */
export interface EnvWith<V extends object> {
  Bindings: Bindings;
  Variables: RequestVariables & V;
}
