// How many rows a DELETE or UPDATE touched. Both drivers behind `Db` (neon-http in the Worker,
// node-postgres in the CLIs) report it as `rowCount`, which drizzle's shared type leaves out.
export const rowCountOf = (result: unknown): number =>
  (result as { rowCount?: number | null }).rowCount ?? 0;
