// Lua scripts as the client sees them. @upstash/ratelimit's scripts start with
// "#!lua flags=allow-key-locking", a flag stock Redis 7.0 rejects ("Unexpected flag in script
// shebang") and Lua itself cannot parse, so the bridge runs them without that line. The client
// computes EVALSHA hashes over the ORIGINAL text, though, so that is the sha the bridge answers to.
import { createHash } from 'node:crypto';

export const sha1hex = (text: string): string => createHash('sha1').update(text).digest('hex');

/** The script without a leading `#!` line; its newline stays, so Lua line numbers do not move. */
export const stripShebang = (script: string): string =>
  script.startsWith('#!') ? script.replace(/^#![^\n]*/, '') : script;

export interface KnownScript {
  /** sha1 of the text the client sent: what EVALSHA and SCRIPT EXISTS ask about. */
  sha: string;
  /** The text actually run. */
  runnable: string;
  /** sha1 of `runnable`: what a real server knows the script by. */
  runnableSha: string;
}

/** Scripts seen through EVAL or SCRIPT LOAD, by the sha the client computes. */
export class ScriptCache {
  private readonly bySha = new Map<string, KnownScript>();

  remember(script: string): KnownScript {
    const sha = sha1hex(script);
    let known = this.bySha.get(sha);
    if (!known) {
      const runnable = stripShebang(script);
      known = { sha, runnable, runnableSha: runnable === script ? sha : sha1hex(runnable) };
      this.bySha.set(sha, known);
    }
    return known;
  }

  /** Redis treats sha arguments case-insensitively. */
  get(sha: string): KnownScript | undefined {
    return this.bySha.get(sha.toLowerCase());
  }

  /** A script that failed to compile: Redis does not keep those, so EVALSHA must say NOSCRIPT. */
  forget(sha: string): void {
    this.bySha.delete(sha);
  }

  clear(): void {
    this.bySha.clear();
  }
}

export const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
export const COMPILE_ERROR = 'Error compiling script';
