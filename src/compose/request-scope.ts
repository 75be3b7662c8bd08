// What the composition root needs from whoever serves the request (the HTTP layer, the cron
// handler, a CLI): the parsed config, the request id, who is asking, and a way to keep work
// alive after the answer. Nothing here is Hono's: a CLI builds one by hand.
import type { Config } from '../config/index.ts';

export interface ClientInfo {
  /** CF-Connecting-IP: set by Cloudflare's edge (and wrangler dev); '' when unknown. */
  readonly ip: string;
  /** The User-Agent, cut to 256 characters; '' when absent. */
  readonly userAgent: string;
}

/** Keeps `work` alive after the response (ctx.waitUntil). Must not throw. */
export type KeepAlive = (work: Promise<unknown>) => void;

export interface RequestScope {
  readonly config: Config;
  readonly requestId: string;
  readonly client: ClientInfo;
  readonly keepAlive: KeepAlive;
}
