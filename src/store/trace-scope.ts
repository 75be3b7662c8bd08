// Which request a store call belongs to. The store clients live for the isolate (building an
// Upstash client costs some 375 closures, a drizzle client walks the schema: per request that
// was an eighth of a refresh's CPU), so the request's trace cannot be baked into them. It rides
// in an AsyncLocalStorage instead: the clients' fetch hooks read it for the request id header
// (the local stack counts round trips per request by it) and to time the call for
// Server-Timing. Work started inside `traced()` keeps its trace across awaits and into
// ctx.waitUntil, as the request that started it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestTrace } from '../shared/trace.ts';

const scope = new AsyncLocalStorage<RequestTrace>();

/** Runs `work` with store calls attributed to `trace`. */
export const traced = <T>(trace: RequestTrace, work: () => T): T => scope.run(trace, work);

/** The trace of the running request; undefined outside any (a Node tool, a test fixture). */
export const currentTrace = (): RequestTrace | undefined => scope.getStore();
