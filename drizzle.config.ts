import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from src/store/schema.ts into drizzle/ (committed).
// `npm run db:migrate` applies them to the Postgres/Neon database in DATABASE_URL.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/edge_auth' },
  strict: true,
  verbose: true,
});
