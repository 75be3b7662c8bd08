// The password of `npm run user -- create`: read so that it appears nowhere (typed without echo
// on a terminal, asked twice, or the first line of stdin when piped from a secret store; argv
// shows up in `ps`, shell history and CI logs); the Worker's own src/auth/user-admin.ts checks
// and hashes it. The native hashes below are the Worker's, faster: for the import's batches
// (wrap) and the benchmarks, so a first login neither fails nor re-hashes.
/// <reference path="../src/types/wrangler-modules.d.ts" />
import { type Algorithm, hash } from '@node-rs/argon2';
import { wrapBcryptHash } from '../src/auth/bcrypt-wrapped.ts';
import type { Argon2Params } from '../src/config/index.ts';

const ARGON2ID: Algorithm.Argon2id = 2; // a const enum: not importable under verbatimModuleSyntax
const TAG_BYTES = 32; // what src/auth/passwords.ts writes; a shorter tag is re-hashed at login

export async function readPassword(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (!stdin.isTTY) return readFirstLine(stdin);
  const first = await promptHidden(stdin, 'Password: ');
  const second = await promptHidden(stdin, 'Repeat it: ');
  if (first !== second) throw new Error('the two passwords differ; nothing was created');
  return first;
}

/**
 * argon2id PHC string at the configured cost, of the NFC form of the password, as
 * src/auth/passwords.ts hashes it (RFC 8265 §4.2.2); @node-rs/argon2 draws a 16-byte salt.
 */
export function hashLikeTheWorker(password: string, params: Argon2Params): Promise<string> {
  return hash(password.normalize('NFC'), {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: params.parallelism,
    outputLen: TAG_BYTES,
  });
}

/**
 * A bare bcrypt hash of the old service wrapped in argon2id at the configured cost
 * (src/auth/bcrypt-wrapped.ts), the form the Worker verifies: no bcrypt digest is stored.
 */
export function wrapLikeTheWorker(bcryptHash: string, params: Argon2Params): Promise<string> {
  return wrapBcryptHash(bcryptHash, (digest) =>
    hash(Buffer.from(digest), {
      algorithm: ARGON2ID,
      memoryCost: params.memoryKib,
      timeCost: params.iterations,
      parallelism: params.parallelism,
      outputLen: TAG_BYTES,
    }),
  );
}

/** The first line, without its line break; the rest of stdin is left unread. */
async function readFirstLine(stdin: NodeJS.ReadStream): Promise<string> {
  stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of stdin) {
    text += chunk as string;
    if (text.includes('\n')) break;
  }
  return text.split('\n', 1)[0]?.replace(/\r$/, '') ?? '';
}

/**
 * Raw mode: the terminal sends each key here instead of echoing it. Enter ends the input,
 * Backspace deletes one character (a code point), Ctrl-C aborts; other control keys are ignored.
 */
function promptHidden(stdin: NodeJS.ReadStream, prompt: string): Promise<string> {
  process.stderr.write(prompt);
  stdin.setEncoding('utf8');
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let chars: string[] = [];
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(chars.join(''));
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new Error('aborted; nothing was created'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') chars = chars.slice(0, -1);
        else if (ch >= ' ') chars.push(ch);
      }
    };
    stdin.on('data', onData);
  });
}
