CREATE TABLE "saved_search_alerts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"saved_search_id" uuid NOT NULL,
	"listing_type" text NOT NULL,
	"listing_id" text NOT NULL,
	"version" integer NOT NULL,
	"change" text NOT NULL,
	"title" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "saved_search_alerts_once" UNIQUE("saved_search_id","listing_id","version")
);
--> statement-breakpoint
CREATE TABLE "saved_searches" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_user_id" uuid NOT NULL,
	"organisation_id" uuid,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"q" text DEFAULT '' NOT NULL,
	"field_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"region_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"trl_min" smallint,
	"trl_max" smallint,
	"transfer_modes" text[] DEFAULT '{}'::text[] NOT NULL,
	"price_min_fen" bigint,
	"price_max_fen" bigint,
	"include_negotiable" boolean DEFAULT true NOT NULL,
	"notify_webhook" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "saved_searches_webhook_org_check" CHECK (NOT "saved_searches"."notify_webhook" OR "saved_searches"."organisation_id" IS NOT NULL)
);
--> statement-breakpoint
ALTER TABLE "saved_search_alerts" ADD CONSTRAINT "saved_search_alerts_saved_search_id_saved_searches_id_fk" FOREIGN KEY ("saved_search_id") REFERENCES "public"."saved_searches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "saved_search_alerts_search_idx" ON "saved_search_alerts" USING btree ("saved_search_id","id");--> statement-breakpoint
CREATE INDEX "saved_searches_owner_idx" ON "saved_searches" USING btree ("owner_user_id","id");--> statement-breakpoint
CREATE INDEX "saved_searches_type_idx" ON "saved_searches" USING btree ("type","id");