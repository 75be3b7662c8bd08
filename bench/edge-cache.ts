// The Cache API's backend for the bench's `workerd serve`: plain workerd has none ("No Cache was
// configured"), and on Cloudflare the edge cache is not the Worker's CPU, so it runs here, in the
// bench's Node process, not in workerd. workerd's cache protocol, as Miniflare serves it:
// `cache.match` is a GET of the key (a stored response, or 504 with CF-Cache-Status: MISS),
// `cache.put` a PUT whose body is the response serialized as HTTP/1.1, `cache.delete` a PURGE.
// Stored while the response's s-maxage (else max-age) says; no-store and private never are.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Entry {
  status: number;
  headers: [string, string][];
  body: Buffer;
  expires: number;
}

export interface EdgeCache {
  port: number;
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** `HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\nbody` (workerd writes a fixed-length body). */
function parseHttpResponse(raw: Buffer): Omit<Entry, 'expires'> & { cacheControl: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(head[0]?.split(' ')[1] ?? 0);
  const headers = head.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
  const cacheControl = headers.find(([n]) => n.toLowerCase() === 'cache-control')?.[1] ?? '';
  const unchunked = headers.filter(([n]) => n.toLowerCase() !== 'transfer-encoding');
  return { status, headers: unchunked, body: raw.subarray(end + 4), cacheControl };
}

function lifetimeSeconds(cacheControl: string): number {
  if (/\b(no-store|private)\b/i.test(cacheControl)) return 0;
  const shared = /\bs-maxage=(\d+)/i.exec(cacheControl);
  const max = /\bmax-age=(\d+)/i.exec(cacheControl);
  return Number((shared ?? max)?.[1] ?? 0);
}

export async function startEdgeCache(): Promise<EdgeCache> {
  const entries = new Map<string, Entry>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const key = req.url ?? '/';
    if (req.method === 'PUT') {
      const parsed = parseHttpResponse(await readAll(req));
      const seconds = lifetimeSeconds(parsed.cacheControl);
      if (parsed.status === 200 && seconds > 0) {
        entries.set(key, { ...parsed, expires: Date.now() + seconds * 1000 });
      }
      res.writeHead(204).end();
      return;
    }
    await readAll(req);
    const entry = entries.get(key);
    const live = entry && entry.expires > Date.now() ? entry : undefined;
    if (req.method === 'PURGE') {
      entries.delete(key);
      res.writeHead(entry ? 200 : 404).end();
    } else if (req.method === 'GET' && live) {
      res.writeHead(live.status, [...live.headers.flat(), 'CF-Cache-Status', 'HIT']);
      res.end(live.body);
    } else if (req.method === 'GET') {
      res.writeHead(504, { 'CF-Cache-Status': 'MISS' }).end();
    } else {
      res.writeHead(405).end();
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
