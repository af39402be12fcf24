CREATE TABLE "technology_manager_brokerages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"manager_id" uuid NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"named_by_organisation_id" uuid NOT NULL,
	"named_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "technology_manager_brokerages_subject_type_check" CHECK (subject_type IN ('interest','contract'))
);
--> statement-breakpoint
CREATE TABLE "technology_managers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"employer_organisation_id" uuid NOT NULL,
	"name" text NOT NULL,
	"level" text NOT NULL,
	"certificate_no" text NOT NULL,
	"fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"bio" text,
	"phone_enc" text,
	"email_enc" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"review_reason" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "technology_managers_level_check" CHECK (level IN ('junior','intermediate','senior')),
	CONSTRAINT "technology_managers_status_check" CHECK (status IN ('pending','active','rejected','revoked'))
);
--> statement-breakpoint
ALTER TABLE "technology_manager_brokerages" ADD CONSTRAINT "technology_manager_brokerages_manager_id_fkey" FOREIGN KEY ("manager_id") REFERENCES "public"."technology_managers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "technology_manager_brokerages" ADD CONSTRAINT "technology_manager_brokerages_named_by_organisation_id_fkey" FOREIGN KEY ("named_by_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "technology_managers" ADD CONSTRAINT "technology_managers_employer_organisation_id_fkey" FOREIGN KEY ("employer_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "technology_manager_brokerages_subject_key" ON "technology_manager_brokerages" USING btree ("subject_type","subject_id","manager_id");--> statement-breakpoint
CREATE INDEX "technology_manager_brokerages_manager_idx" ON "technology_manager_brokerages" USING btree ("manager_id","subject_type");--> statement-breakpoint
CREATE UNIQUE INDEX "technology_managers_certificate_no_key" ON "technology_managers" USING btree ("certificate_no");--> statement-breakpoint
CREATE INDEX "technology_managers_employer_idx" ON "technology_managers" USING btree ("employer_organisation_id","id");--> statement-breakpoint
CREATE INDEX "technology_managers_status_idx" ON "technology_managers" USING btree ("status","id");