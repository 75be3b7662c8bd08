-- Email change (issue 18): a one-time token of kind email_change carries the new address it proves.
ALTER TABLE "one_time_tokens" DROP CONSTRAINT "one_time_tokens_kind";--> statement-breakpoint
ALTER TABLE "one_time_tokens" ADD COLUMN "new_email" "citext";--> statement-breakpoint
ALTER TABLE "one_time_tokens" ADD CONSTRAINT "one_time_tokens_new_email" CHECK (("one_time_tokens"."kind" = 'email_change') = ("one_time_tokens"."new_email" is not null));--> statement-breakpoint
ALTER TABLE "one_time_tokens" ADD CONSTRAINT "one_time_tokens_kind" CHECK ("one_time_tokens"."kind" in ('verify_email', 'password_reset', 'email_change'));