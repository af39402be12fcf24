CREATE TABLE "organisation_verifications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"sub_centre_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"credit_code" text NOT NULL,
	"credit_code_check_failed" boolean DEFAULT false NOT NULL,
	"legal_representative" text NOT NULL,
	"licence_sha256" text NOT NULL,
	"applied_by" uuid,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"level" text,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "real_name_applications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"legal_name_enc" text NOT NULL,
	"resident_id_hash" text NOT NULL,
	"resident_id_enc" text NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"level" text,
	"reason" text
);
--> statement-breakpoint
ALTER TABLE "organisation_verifications" ADD CONSTRAINT "organisation_verifications_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_verifications" ADD CONSTRAINT "organisation_verifications_sub_centre_id_sub_centres_id_fk" FOREIGN KEY ("sub_centre_id") REFERENCES "public"."sub_centres"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_verifications" ADD CONSTRAINT "organisation_verifications_applied_by_users_id_fk" FOREIGN KEY ("applied_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organisation_verifications" ADD CONSTRAINT "organisation_verifications_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "real_name_applications" ADD CONSTRAINT "real_name_applications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "real_name_applications" ADD CONSTRAINT "real_name_applications_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "organisation_verifications_one_pending_key" ON "organisation_verifications" USING btree ("organisation_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "organisation_verifications_queue_idx" ON "organisation_verifications" USING btree ("sub_centre_id","status","id");--> statement-breakpoint
CREATE INDEX "organisation_verifications_org_idx" ON "organisation_verifications" USING btree ("organisation_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "real_name_applications_one_pending_key" ON "real_name_applications" USING btree ("user_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "real_name_applications_status_idx" ON "real_name_applications" USING btree ("status","id");