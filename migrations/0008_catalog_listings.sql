CREATE TABLE "catalog_changes" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"txid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"kind" text NOT NULL,
	"listing_id" uuid NOT NULL,
	"change" text NOT NULL,
	"version" integer NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalog_experts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"title" text,
	"organisation_id" uuid,
	"fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"expertise" text[] DEFAULT '{}'::text[] NOT NULL,
	"bio" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalog_institutions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kinds" text[] NOT NULL,
	"region_code" text,
	"description" text,
	"services" text[] DEFAULT '{}'::text[] NOT NULL,
	"contact" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalog_listing_versions" (
	"listing_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"replaced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replaced_by" text,
	CONSTRAINT "catalog_listing_versions_pk" PRIMARY KEY("listing_id","version")
);
--> statement-breakpoint
CREATE TABLE "catalog_listings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"organisation_id" uuid NOT NULL,
	"sub_centre_id" uuid,
	"status" text DEFAULT 'draft' NOT NULL,
	"external_id" text,
	"source_system" text,
	"title" text NOT NULL,
	"field_code" text NOT NULL,
	"region_code" text NOT NULL,
	"trl" smallint,
	"price_fen" bigint,
	"budget_min_fen" bigint,
	"budget_max_fen" bigint,
	"modes" text[] DEFAULT '{}'::text[] NOT NULL,
	"keywords" text[] DEFAULT '{}'::text[] NOT NULL,
	"patent_numbers" text[] DEFAULT '{}'::text[] NOT NULL,
	"content" jsonb NOT NULL,
	"confidential" jsonb,
	"content_hash" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"valid_until" date,
	"review" jsonb,
	"merged_into" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "catalog_ndas" (
	"listing_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"accepted_by" text NOT NULL,
	"accepted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "catalog_ndas_pk" PRIMARY KEY("listing_id","organisation_id")
);
--> statement-breakpoint
ALTER TABLE "catalog_experts" ADD CONSTRAINT "catalog_experts_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "catalog_institutions" ADD CONSTRAINT "catalog_institutions_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "catalog_listing_versions" ADD CONSTRAINT "catalog_listing_versions_listing_id_catalog_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."catalog_listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "catalog_listings" ADD CONSTRAINT "catalog_listings_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "catalog_listings" ADD CONSTRAINT "catalog_listings_sub_centre_id_sub_centres_id_fk" FOREIGN KEY ("sub_centre_id") REFERENCES "public"."sub_centres"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "catalog_ndas" ADD CONSTRAINT "catalog_ndas_listing_id_catalog_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."catalog_listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "catalog_ndas" ADD CONSTRAINT "catalog_ndas_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "catalog_changes_position_idx" ON "catalog_changes" USING btree ("txid","seq");--> statement-breakpoint
CREATE INDEX "catalog_experts_updated_idx" ON "catalog_experts" USING btree ("updated_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "catalog_institutions_org_key" ON "catalog_institutions" USING btree ("organisation_id");--> statement-breakpoint
CREATE INDEX "catalog_institutions_updated_idx" ON "catalog_institutions" USING btree ("updated_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "catalog_listings_external_key" ON "catalog_listings" USING btree ("organisation_id","kind","external_id") WHERE external_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX "catalog_listings_kind_status_updated_idx" ON "catalog_listings" USING btree ("kind","status","updated_at","id");--> statement-breakpoint
CREATE INDEX "catalog_listings_org_idx" ON "catalog_listings" USING btree ("organisation_id","kind","updated_at");--> statement-breakpoint
CREATE INDEX "catalog_listings_sub_centre_idx" ON "catalog_listings" USING btree ("sub_centre_id","kind","status");--> statement-breakpoint
CREATE INDEX "catalog_listings_patents_idx" ON "catalog_listings" USING gin ("patent_numbers");--> statement-breakpoint
CREATE INDEX "catalog_listings_title_trgm_idx" ON "catalog_listings" USING gin ("title" gin_trgm_ops);