CREATE TABLE "investment_interest_events" (
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
CREATE TABLE "investment_interests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"presentation_id" uuid NOT NULL,
	"roadshow_id" uuid NOT NULL,
	"investor_organisation_id" uuid NOT NULL,
	"owner_organisation_id" uuid NOT NULL,
	"message" text NOT NULL,
	"amount_fen" bigint,
	"investor_contact" jsonb NOT NULL,
	"owner_contact" jsonb,
	"status" text DEFAULT 'submitted' NOT NULL,
	"decline_reason" jsonb,
	"accepted_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "investment_interests_status_check" CHECK (status IN ('submitted','accepted','declined','withdrawn'))
);
--> statement-breakpoint
CREATE TABLE "investor_profiles" (
	"organisation_id" uuid PRIMARY KEY NOT NULL,
	"stages" text[] NOT NULL,
	"fields" text[] NOT NULL,
	"ticket_min_fen" bigint NOT NULL,
	"ticket_max_fen" bigint NOT NULL,
	"description" text,
	"updated_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "investor_profiles_ticket_check" CHECK (ticket_min_fen >= 0 AND ticket_min_fen <= ticket_max_fen)
);
--> statement-breakpoint
CREATE TABLE "roadshow_investors" (
	"roadshow_id" uuid NOT NULL,
	"investor_organisation_id" uuid NOT NULL,
	"registered_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "roadshow_investors_pkey" PRIMARY KEY("roadshow_id","investor_organisation_id")
);
--> statement-breakpoint
CREATE TABLE "roadshow_presentations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"roadshow_id" uuid NOT NULL,
	"presenter_organisation_id" uuid NOT NULL,
	"achievement_id" uuid,
	"title" text NOT NULL,
	"summary" text,
	"stage" text NOT NULL,
	"ask_fen" bigint,
	"fields" text[] NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	CONSTRAINT "roadshow_presentations_status_check" CHECK (status IN ('pending','accepted','declined'))
);
--> statement-breakpoint
CREATE TABLE "roadshows" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organiser_organisation_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"mode" text NOT NULL,
	"place" text,
	"url" text,
	"fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "roadshows_mode_check" CHECK (mode IN ('online','offline','hybrid')),
	CONSTRAINT "roadshows_time_check" CHECK (starts_at < ends_at)
);
--> statement-breakpoint
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
ALTER TABLE "investment_interest_events" ADD CONSTRAINT "investment_interest_events_interest_id_fkey" FOREIGN KEY ("interest_id") REFERENCES "public"."investment_interests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "investment_interests" ADD CONSTRAINT "investment_interests_presentation_id_fkey" FOREIGN KEY ("presentation_id") REFERENCES "public"."roadshow_presentations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "investment_interests" ADD CONSTRAINT "investment_interests_investor_organisation_id_fkey" FOREIGN KEY ("investor_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "investment_interests" ADD CONSTRAINT "investment_interests_owner_organisation_id_fkey" FOREIGN KEY ("owner_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "investor_profiles" ADD CONSTRAINT "investor_profiles_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roadshow_investors" ADD CONSTRAINT "roadshow_investors_roadshow_id_fkey" FOREIGN KEY ("roadshow_id") REFERENCES "public"."roadshows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roadshow_investors" ADD CONSTRAINT "roadshow_investors_investor_organisation_id_fkey" FOREIGN KEY ("investor_organisation_id") REFERENCES "public"."investor_profiles"("organisation_id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roadshow_presentations" ADD CONSTRAINT "roadshow_presentations_roadshow_id_fkey" FOREIGN KEY ("roadshow_id") REFERENCES "public"."roadshows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roadshow_presentations" ADD CONSTRAINT "roadshow_presentations_presenter_organisation_id_fkey" FOREIGN KEY ("presenter_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roadshows" ADD CONSTRAINT "roadshows_organiser_organisation_id_fkey" FOREIGN KEY ("organiser_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "technology_manager_brokerages" ADD CONSTRAINT "technology_manager_brokerages_manager_id_fkey" FOREIGN KEY ("manager_id") REFERENCES "public"."technology_managers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "technology_manager_brokerages" ADD CONSTRAINT "technology_manager_brokerages_named_by_organisation_id_fkey" FOREIGN KEY ("named_by_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "technology_managers" ADD CONSTRAINT "technology_managers_employer_organisation_id_fkey" FOREIGN KEY ("employer_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "investment_interest_events_interest_idx" ON "investment_interest_events" USING btree ("interest_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "investment_interests_open_key" ON "investment_interests" USING btree ("investor_organisation_id","presentation_id") WHERE status IN ('submitted', 'accepted');--> statement-breakpoint
CREATE INDEX "investment_interests_investor_idx" ON "investment_interests" USING btree ("investor_organisation_id","id");--> statement-breakpoint
CREATE INDEX "investment_interests_owner_idx" ON "investment_interests" USING btree ("owner_organisation_id","id");--> statement-breakpoint
CREATE INDEX "roadshow_presentations_roadshow_idx" ON "roadshow_presentations" USING btree ("roadshow_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "roadshow_presentations_achievement_key" ON "roadshow_presentations" USING btree ("roadshow_id","achievement_id") WHERE achievement_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX "roadshows_starts_idx" ON "roadshows" USING btree ("starts_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "technology_manager_brokerages_subject_key" ON "technology_manager_brokerages" USING btree ("subject_type","subject_id","manager_id");--> statement-breakpoint
CREATE INDEX "technology_manager_brokerages_manager_idx" ON "technology_manager_brokerages" USING btree ("manager_id","subject_type");--> statement-breakpoint
CREATE UNIQUE INDEX "technology_managers_certificate_no_key" ON "technology_managers" USING btree ("certificate_no");--> statement-breakpoint
CREATE INDEX "technology_managers_employer_idx" ON "technology_managers" USING btree ("employer_organisation_id","id");--> statement-breakpoint
CREATE INDEX "technology_managers_status_idx" ON "technology_managers" USING btree ("status","id");