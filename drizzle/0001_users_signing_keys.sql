CREATE TABLE "signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"issuer" text NOT NULL,
	"generation" integer NOT NULL,
	"alg" text DEFAULT 'RS256' NOT NULL,
	"modulus_bits" integer NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"private_key_enc" text NOT NULL,
	"kek_id" text NOT NULL,
	"state" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"publish_from" timestamp with time zone NOT NULL,
	"sign_from" timestamp with time zone NOT NULL,
	"retire_at" timestamp with time zone,
	"expire_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "signing_keys_sign_after_publish" CHECK ("signing_keys"."sign_from" >= "signing_keys"."publish_from")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" "citext" NOT NULL,
	"password_hash" text NOT NULL,
	"name" text,
	"roles" text[] DEFAULT '{}'::text[] NOT NULL,
	"email_verified_at" timestamp with time zone,
	"disabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "signing_keys_issuer_generation" ON "signing_keys" USING btree ("issuer","generation");