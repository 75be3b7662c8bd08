// Statements prepared once per database client. Drizzle otherwise rebuilds a query's SQL from
// its builder on every call (a fifth of /me's CPU); the Worker's client lives for the isolate
// (src/store/index.ts), so what is prepared here does too. Only for hot statements of a fixed
// shape: values come in through sql.placeholder(), which keeps the columns' encoders.
import type { Db } from './db.ts';

/** `build` runs once per client; later calls return what it built. */
export function preparedPerClient<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let statements = built.get(db);
    if (!statements) built.set(db, (statements = build(db)));
    return statements;
  };
}
