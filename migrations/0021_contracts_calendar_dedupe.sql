CREATE TABLE "holiday_calendar_years" (
	"year" integer PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"provisional" boolean NOT NULL,
	"holidays" jsonb NOT NULL,
	"workdays" jsonb NOT NULL,
	"imported_by" text NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "technology_contracts" ADD COLUMN "due_date_provisional" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "technology_contracts_document_idx" ON "technology_contracts" USING btree ("document_sha256");