CREATE TABLE "price_notice_objections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"notice_id" uuid NOT NULL,
	"objector_kind" text NOT NULL,
	"objector_id" text NOT NULL,
	"objector_organisation_id" uuid,
	"objector_name" text NOT NULL,
	"text" text NOT NULL,
	"answer" text,
	"answered_by" text,
	"answered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_notice_policies" (
	"organisation_id" uuid PRIMARY KEY NOT NULL,
	"period_days" integer NOT NULL,
	"day_kind" text NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "price_notice_policies_days_check" CHECK (period_days BETWEEN 1 AND 90),
	CONSTRAINT "price_notice_policies_day_kind_check" CHECK (day_kind IN ('calendar','working'))
);
--> statement-breakpoint
CREATE TABLE "price_notices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"achievement_id" uuid NOT NULL,
	"achievement_title" text NOT NULL,
	"mode" text NOT NULL,
	"price_fen" bigint NOT NULL,
	"counterparty_name" text NOT NULL,
	"counterparty_credit_code" text,
	"description" text,
	"period_days" integer NOT NULL,
	"day_kind" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "price_notices_mode_check" CHECK (mode IN ('transfer','licence','equity')),
	CONSTRAINT "price_notices_day_kind_check" CHECK (day_kind IN ('calendar','working')),
	CONSTRAINT "price_notices_price_check" CHECK (price_fen >= 0)
);
--> statement-breakpoint
ALTER TABLE "price_notice_objections" ADD CONSTRAINT "price_notice_objections_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "public"."price_notices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_notice_policies" ADD CONSTRAINT "price_notice_policies_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_notices" ADD CONSTRAINT "price_notices_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_notices" ADD CONSTRAINT "price_notices_achievement_id_fkey" FOREIGN KEY ("achievement_id") REFERENCES "public"."catalog_listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "price_notice_objections_notice_idx" ON "price_notice_objections" USING btree ("notice_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "price_notice_objections_objector_key" ON "price_notice_objections" USING btree ("notice_id","objector_kind","objector_id");--> statement-breakpoint
CREATE INDEX "price_notices_achievement_idx" ON "price_notices" USING btree ("achievement_id","id");--> statement-breakpoint
CREATE INDEX "price_notices_organisation_idx" ON "price_notices" USING btree ("organisation_id","id");