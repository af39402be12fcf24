CREATE TABLE "contract_amendments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"contract_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"from_version" integer NOT NULL,
	"changes" jsonb NOT NULL,
	"reason" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	CONSTRAINT "contract_amendments_status_check" CHECK (status IN ('pending','approved','rejected'))
);
--> statement-breakpoint
CREATE TABLE "contract_registration_counters" (
	"sub_centre_id" uuid NOT NULL,
	"year" integer NOT NULL,
	"last_serial" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "contract_registration_counters_pk" PRIMARY KEY("sub_centre_id","year")
);
--> statement-breakpoint
CREATE TABLE "contract_versions" (
	"contract_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"amendment_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contract_versions_pk" PRIMARY KEY("contract_id","version")
);
--> statement-breakpoint
CREATE TABLE "technology_contracts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"sub_centre_id" uuid NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"type" text NOT NULL,
	"subtype" text NOT NULL,
	"project_name" text NOT NULL,
	"signing_date" date NOT NULL,
	"valid_from" date NOT NULL,
	"valid_to" date NOT NULL,
	"technology_field" text NOT NULL,
	"imported" boolean DEFAULT false NOT NULL,
	"disputed" boolean DEFAULT false NOT NULL,
	"seller" jsonb NOT NULL,
	"buyer" jsonb NOT NULL,
	"achievement_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"patent_numbers" text[] DEFAULT '{}'::text[] NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"contract_value_fen" bigint NOT NULL,
	"non_technical_costs_fen" bigint NOT NULL,
	"transaction_amount_fen" bigint GENERATED ALWAYS AS (contract_value_fen - non_technical_costs_fen) STORED,
	"determined_amount_fen" bigint,
	"determination_reason" text,
	"payment" jsonb NOT NULL,
	"document_sha256" text NOT NULL,
	"transfer_institution_id" uuid,
	"tech_manager_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"created_by" text NOT NULL,
	"submitted_at" timestamp with time zone,
	"due_date" date,
	"review_working_days" integer,
	"reviewer_id" text,
	"review_started_at" timestamp with time zone,
	"return_reasons" jsonb,
	"returned_at" timestamp with time zone,
	"refusal_ground" text,
	"refusal_text" text,
	"refused_at" timestamp with time zone,
	"registration_number" text,
	"registration_year" integer,
	"registered_at" timestamp with time zone,
	"registered_by" text,
	"cancelled_at" timestamp with time zone,
	"cancellation_reason" text,
	"cancelled_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "technology_contracts_status_check" CHECK (status IN ('draft','submitted','under_review','returned','registered','refused','cancelled')),
	CONSTRAINT "technology_contracts_amounts_check" CHECK (contract_value_fen >= 0 AND non_technical_costs_fen >= 0 AND non_technical_costs_fen <= contract_value_fen),
	CONSTRAINT "technology_contracts_determined_check" CHECK (determined_amount_fen IS NULL OR (determined_amount_fen >= 0 AND determined_amount_fen <= contract_value_fen)),
	CONSTRAINT "technology_contracts_registered_check" CHECK (status NOT IN ('registered','cancelled') OR (registration_number IS NOT NULL AND registered_at IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "contract_amendments" ADD CONSTRAINT "contract_amendments_contract_id_technology_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."technology_contracts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_registration_counters" ADD CONSTRAINT "contract_registration_counters_sub_centre_id_sub_centres_id_fk" FOREIGN KEY ("sub_centre_id") REFERENCES "public"."sub_centres"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_versions" ADD CONSTRAINT "contract_versions_contract_id_technology_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."technology_contracts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "technology_contracts" ADD CONSTRAINT "technology_contracts_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "technology_contracts" ADD CONSTRAINT "technology_contracts_sub_centre_id_sub_centres_id_fk" FOREIGN KEY ("sub_centre_id") REFERENCES "public"."sub_centres"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "technology_contracts" ADD CONSTRAINT "technology_contracts_transfer_institution_id_organisations_id_fk" FOREIGN KEY ("transfer_institution_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contract_amendments_contract_idx" ON "contract_amendments" USING btree ("contract_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "technology_contracts_registration_number_key" ON "technology_contracts" USING btree ("registration_number") WHERE registration_number IS NOT NULL;--> statement-breakpoint
CREATE INDEX "technology_contracts_org_idx" ON "technology_contracts" USING btree ("organisation_id","id");--> statement-breakpoint
CREATE INDEX "technology_contracts_point_status_idx" ON "technology_contracts" USING btree ("sub_centre_id","status","id");--> statement-breakpoint
CREATE INDEX "technology_contracts_due_idx" ON "technology_contracts" USING btree ("due_date") WHERE status IN ('submitted', 'under_review');--> statement-breakpoint
CREATE INDEX "technology_contracts_year_idx" ON "technology_contracts" USING btree ("registration_year","sub_centre_id");--> statement-breakpoint
CREATE INDEX "technology_contracts_institution_idx" ON "technology_contracts" USING btree ("transfer_institution_id","registration_year") WHERE transfer_institution_id IS NOT NULL;