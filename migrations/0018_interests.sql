CREATE TABLE "interest_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"interest_id" uuid NOT NULL,
	"action" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"actor_organisation_id" uuid,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "interests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"achievement_id" uuid NOT NULL,
	"owner_organisation_id" uuid NOT NULL,
	"achievement_title" text NOT NULL,
	"interested_organisation_id" uuid NOT NULL,
	"need_id" uuid,
	"message" text NOT NULL,
	"contact" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"decline_reason" jsonb,
	"contract_id" uuid,
	"created_by" text NOT NULL,
	"created_by_kind" text NOT NULL,
	"accepted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "interests_status_check" CHECK (status IN ('pending','accepted','declined','negotiating','deal','withdrawn','closed'))
);
--> statement-breakpoint
ALTER TABLE "interest_events" ADD CONSTRAINT "interest_events_interest_id_interests_id_fk" FOREIGN KEY ("interest_id") REFERENCES "public"."interests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interests" ADD CONSTRAINT "interests_achievement_id_catalog_listings_id_fk" FOREIGN KEY ("achievement_id") REFERENCES "public"."catalog_listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interests" ADD CONSTRAINT "interests_owner_organisation_id_organisations_id_fk" FOREIGN KEY ("owner_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interests" ADD CONSTRAINT "interests_interested_organisation_id_organisations_id_fk" FOREIGN KEY ("interested_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interests" ADD CONSTRAINT "interests_need_id_catalog_listings_id_fk" FOREIGN KEY ("need_id") REFERENCES "public"."catalog_listings"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "interest_events_interest_idx" ON "interest_events" USING btree ("interest_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "interests_open_key" ON "interests" USING btree ("interested_organisation_id","achievement_id") WHERE status IN ('pending', 'accepted', 'negotiating');--> statement-breakpoint
CREATE INDEX "interests_interested_idx" ON "interests" USING btree ("interested_organisation_id","id");--> statement-breakpoint
CREATE INDEX "interests_owner_idx" ON "interests" USING btree ("owner_organisation_id","id");