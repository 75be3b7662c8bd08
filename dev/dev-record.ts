// Where a running `npm run dev` listens, written to the git-ignored .data folder so the
// Node-side tools (npm run seed, keys, user, client) reach the stack and the issuer it really
// uses, whatever PORT / STACK_PORT / ISSUER it was started with. The file is removed when
// `npm run dev` stops; one left behind by a killed process names a pid that is gone, and is
// then ignored (stale). Environment variables set for a tool still win over the record.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { devDataDir } from './data-dir.ts';

/** .data/dev-server.json (or under DEV_DATA_DIR). */
export const devRecordFile = (env: NodeJS.ProcessEnv = process.env): string =>
  join(devDataDir(env), 'dev-server.json');

export interface DevRecord {
  /** The `npm run dev` process (dev/dev.ts). */
  pid: number;
  worker: { port: number; url: string; issuer: string; inspectorPort: number | null };
  /** The local stack; its bearer token (a dev-only constant) is kept here too (mode 0600). */
  stack: { port: number; url: string; token: string };
  startedAt: string;
}

export function writeDevRecord(record: DevRecord, file = devRecordFile()): void {
  mkdirSync(dirname(file), { recursive: true });
  // Written whole then renamed: a tool reading at that moment sees the old file or the new one.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Removes the record if it is this process's own (another `npm run dev` may have replaced it). */
export function removeDevRecord(pid = process.pid, file = devRecordFile()): void {
  const current = readRecordFile(file);
  if (current === undefined || current.pid === pid) rmSync(file, { force: true });
}

function readRecordFile(file: string): DevRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as DevRecord;
    return typeof parsed.pid === 'number' && parsed.stack?.url && parsed.worker?.issuer
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still a live process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The record of a `npm run dev` that is still running, or undefined (none, or stale). */
export function readDevRecord(file = devRecordFile()): DevRecord | undefined {
  const record = readRecordFile(file);
  return record && alive(record.pid) ? record : undefined;
}
