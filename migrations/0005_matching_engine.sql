CREATE TABLE "matching_documents" (
	"namespace" text NOT NULL,
	"type" text NOT NULL,
	"id" text NOT NULL,
	"title" text NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"keywords" text[] DEFAULT '{}'::text[] NOT NULL,
	"field_code" text,
	"region_code" text,
	"city_code" text,
	"region_path" text[] DEFAULT '{}'::text[] NOT NULL,
	"trl" smallint,
	"min_trl" smallint,
	"transfer_modes" text[] DEFAULT '{}'::text[] NOT NULL,
	"price_min_fen" bigint,
	"price_max_fen" bigint,
	"price_fen" bigint,
	"organisation_id" uuid,
	"status" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"indexed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"tsv" "tsvector" NOT NULL,
	CONSTRAINT "matching_documents_pk" PRIMARY KEY("namespace","type","id"),
	CONSTRAINT "matching_documents_type_check" CHECK ("matching_documents"."type" IN ('achievement', 'need', 'expert', 'institution')),
	CONSTRAINT "matching_documents_trl_check" CHECK ("matching_documents"."trl" BETWEEN 1 AND 9 AND "matching_documents"."min_trl" BETWEEN 1 AND 9)
);
--> statement-breakpoint
CREATE TABLE "matching_synonym_sets" (
	"namespace" text NOT NULL,
	"groups" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "matching_synonym_sets_pk" PRIMARY KEY("namespace")
);
--> statement-breakpoint
CREATE INDEX "matching_documents_tsv_idx" ON "matching_documents" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "matching_documents_title_trgm_idx" ON "matching_documents" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "matching_documents_listing_idx" ON "matching_documents" USING btree ("namespace","type","status","updated_at");