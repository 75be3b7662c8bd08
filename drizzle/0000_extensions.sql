-- citext backs users.email (case-insensitive unique). Neon, Debian's postgresql and PGlite
-- (with its citext contrib loaded) all ship it.
CREATE EXTENSION IF NOT EXISTS citext;
