// Upstash's REST protocol, as @upstash/redis and @upstash/ratelimit speak it:
//   POST /            ["SET","k","v","EX",10]      -> 200 {result} | 400 {error}
//   POST /pipeline    [["GET","a"],["INCR","b"]]   -> 200 [{result}|{error}, ...]
//   POST /multi-exec  same body, one transaction   -> 200 [{result}|{error}, ...]
// With `Upstash-Encoding: base64` every string in a result (status replies like "OK" too, at any
// depth) is base64; integers and nulls are not, and neither are errors. The client decodes
// exactly that way (it also keeps a bare top-level "OK", so encoding it is harmless).
import type { BridgeRequest, BridgeResponse } from '../bridge.ts';
import { json } from '../bridge.ts';
import type { Command, Outcome, Reply } from './backend.ts';

export type RequestKind = 'single' | 'pipeline' | 'multi';

export type ParsedRequest =
  | { ok: true; kind: RequestKind; commands: Command[]; base64: boolean }
  | { ok: false; response: BridgeResponse };

const KINDS: Record<string, RequestKind> = {
  '/': 'single',
  '/pipeline': 'pipeline',
  '/multi-exec': 'multi',
};

const reject = (status: number, error: string): ParsedRequest => ({
  ok: false,
  response: json(status, { error }),
});

/** One command: a non-empty array of strings, numbers or booleans, the name a string. */
function toCommand(value: unknown, where: string): Command | string {
  if (!Array.isArray(value) || value.length === 0) {
    return `ERR ${where} must be a non-empty JSON array, e.g. ["GET","key"]`;
  }
  if (typeof value[0] !== 'string' || value[0] === '') {
    return `ERR ${where} must start with the command name as a string`;
  }
  const command: Command = [];
  for (const arg of value) {
    if (typeof arg === 'string') command.push(arg);
    else if ((typeof arg === 'number' && Number.isFinite(arg)) || typeof arg === 'boolean') {
      command.push(String(arg));
    } else {
      return `ERR ${where} has an argument that is not a string, number or boolean: ${JSON.stringify(arg)}`;
    }
  }
  return command;
}

export function parseRequest(req: BridgeRequest, token: string): ParsedRequest {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (bearer?.[1] !== token) return reject(401, 'Unauthorized');

  const kind = KINDS[req.path];
  if (!kind) {
    return reject(
      404,
      `ERR unknown path ${req.path}: the local Upstash bridge serves POST /, /pipeline and /multi-exec`,
    );
  }
  if (req.method !== 'POST') {
    return reject(
      405,
      `ERR ${req.method} ${req.path} is not supported: send POST with a JSON body`,
    );
  }

  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch (error) {
    return reject(400, `ERR request body is not JSON: ${(error as Error).message}`);
  }

  const commands: Command[] = [];
  if (kind === 'single') {
    const command = toCommand(body, 'the body');
    if (typeof command === 'string') return reject(400, command);
    commands.push(command);
  } else {
    if (!Array.isArray(body) || body.length === 0) {
      return reject(400, `ERR ${req.path} takes a non-empty JSON array of commands`);
    }
    for (const [i, item] of body.entries()) {
      const command = toCommand(item, `command ${i + 1}`);
      if (typeof command === 'string') return reject(400, command);
      commands.push(command);
    }
  }
  const base64 = req.headers['upstash-encoding']?.toLowerCase() === 'base64';
  return { ok: true, kind, commands, base64 };
}

export function encodeReply(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === 'number') return reply;
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  if (typeof reply === 'string') {
    return base64 ? Buffer.from(reply, 'utf8').toString('base64') : reply;
  }
  return reply.toString(base64 ? 'base64' : 'utf8');
}

export const encodeOutcome = (outcome: Outcome, base64: boolean) =>
  outcome.ok ? { result: encodeReply(outcome.value, base64) } : { error: outcome.error };
