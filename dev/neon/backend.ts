// What the Neon bridge needs from a database: run one statement, or several as one
// transaction, and always hand back Postgres's text output so the client parses it exactly as
// it parses Neon's.
import { fileURLToPath } from 'node:url';

/** A parameter as the client sends it: Postgres text input, or SQL NULL. */
export type SqlParam = string | null;

export interface Statement {
  query: string;
  params: SqlParam[];
}

/** Column metadata; backends add pg's optional fields (tableID, format, ...) when they know them. */
export interface SqlField {
  name: string;
  dataTypeID: number;
  [extra: string]: unknown;
}

export interface SqlResult {
  /** First word of the command tag ("SELECT", "INSERT", ...). */
  command: string | null;
  /** Row count from the command tag; null for tags that carry none ("CREATE TABLE"). */
  rowCount: number | null;
  fields: SqlField[];
  /** Values in Postgres text output. */
  rows: SqlParam[][];
}

export type IsolationLevel =
  'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable';

export interface TransactionMode {
  isolationLevel?: IsolationLevel;
  readOnly?: boolean;
  deferrable?: boolean;
}

export interface SqlBackend {
  readonly name: 'pglite' | 'postgres';
  query(statement: Statement): Promise<SqlResult>;
  /** All statements in one transaction: all results, or the first error and no effect. */
  transaction(statements: Statement[], mode: TransactionMode): Promise<SqlResult[]>;
  close(): Promise<void>;
}

const ISOLATION_SQL: Record<IsolationLevel, string> = {
  ReadUncommitted: 'ISOLATION LEVEL READ UNCOMMITTED',
  ReadCommitted: 'ISOLATION LEVEL READ COMMITTED',
  RepeatableRead: 'ISOLATION LEVEL REPEATABLE READ',
  Serializable: 'ISOLATION LEVEL SERIALIZABLE',
};

/** The transaction_mode list shared by `BEGIN ...` and `SET TRANSACTION ...`; '' for defaults. */
export function transactionModes(mode: TransactionMode): string {
  const parts: string[] = [];
  if (mode.isolationLevel) parts.push(ISOLATION_SQL[mode.isolationLevel]);
  if (mode.readOnly !== undefined) parts.push(mode.readOnly ? 'READ ONLY' : 'READ WRITE');
  if (mode.deferrable !== undefined) parts.push(mode.deferrable ? 'DEFERRABLE' : 'NOT DEFERRABLE');
  return parts.join(', ');
}

export const isIsolationLevel = (value: string): value is IsolationLevel =>
  Object.hasOwn(ISOLATION_SQL, value);

/** Resolved from this file, so `npm run dev` and the tests find it whatever their cwd. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
