CREATE TABLE "oauth_clients" (
	"client_id" text PRIMARY KEY NOT NULL,
	"secret_hash" text,
	"name" text NOT NULL,
	"grant_types" text[] NOT NULL,
	"scopes" text[] NOT NULL,
	"redirect_uris" text[] DEFAULT '{}'::text[] NOT NULL,
	"audience" text[] DEFAULT '{}'::text[] NOT NULL,
	"access_token_ttl" integer,
	"refresh_token_ttl" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "oauth_clients_grant_types" CHECK ("oauth_clients"."grant_types" <@ array['authorization_code', 'refresh_token', 'client_credentials']::text[]),
	CONSTRAINT "oauth_clients_public_no_client_credentials" CHECK ("oauth_clients"."secret_hash" is not null or not ('client_credentials' = any("oauth_clients"."grant_types")))
);
