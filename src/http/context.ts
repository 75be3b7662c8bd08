// Variables the middleware chain sets, typed for every handler (Hono's ContextVariableMap).
import type { Config } from '../config/index.ts';
import type { Stores } from '../store/index.ts';
import type { RequestTrace } from '../shared/trace.ts';
import type { Bindings } from '../config/index.ts';

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
    trace: RequestTrace;
    config: Config;
    stores: Stores;
  }
}

export interface AppEnv {
  Bindings: Bindings;
}
