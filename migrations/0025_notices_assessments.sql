CREATE TABLE "achievement_evaluations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"achievement_id" uuid NOT NULL,
	"owner_organisation_id" uuid NOT NULL,
	"buyer_organisation_id" uuid,
	"field" text NOT NULL,
	"status" text DEFAULT 'scoring' NOT NULL,
	"conflicts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"score_x100" integer,
	"indicator_means_x100" jsonb,
	"level" text,
	"conclusion" text,
	"requested_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"concluded_at" timestamp with time zone,
	CONSTRAINT "achievement_evaluations_status_check" CHECK (status IN ('scoring','concluded'))
);
--> statement-breakpoint
CREATE TABLE "achievement_valuations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"achievement_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"method" text NOT NULL,
	"value_fen" bigint,
	"min_fen" bigint,
	"max_fen" bigint,
	"base_date" date NOT NULL,
	"valid_until" date NOT NULL,
	"report_sha256" text NOT NULL,
	"appraiser" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "achievement_valuations_method_check" CHECK (method IN ('income','market','cost')),
	CONSTRAINT "achievement_valuations_value_check" CHECK ((value_fen IS NOT NULL AND min_fen IS NULL AND max_fen IS NULL) OR (value_fen IS NULL AND min_fen IS NOT NULL AND max_fen IS NOT NULL AND min_fen <= max_fen))
);
--> statement-breakpoint
CREATE TABLE "evaluation_experts" (
	"expert_id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"enrolled_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evaluation_panel_members" (
	"evaluation_id" uuid NOT NULL,
	"expert_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"expert_name" text NOT NULL,
	"scores" jsonb,
	"weighted_x100" integer,
	"comment" text,
	"submitted_at" timestamp with time zone,
	CONSTRAINT "evaluation_panel_members_pk" PRIMARY KEY("evaluation_id","expert_id")
);
--> statement-breakpoint
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
ALTER TABLE "achievement_evaluations" ADD CONSTRAINT "achievement_evaluations_achievement_id_fkey" FOREIGN KEY ("achievement_id") REFERENCES "public"."catalog_listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "achievement_evaluations" ADD CONSTRAINT "achievement_evaluations_owner_organisation_id_fkey" FOREIGN KEY ("owner_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "achievement_evaluations" ADD CONSTRAINT "achievement_evaluations_buyer_organisation_id_fkey" FOREIGN KEY ("buyer_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "achievement_valuations" ADD CONSTRAINT "achievement_valuations_achievement_id_fkey" FOREIGN KEY ("achievement_id") REFERENCES "public"."catalog_listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "achievement_valuations" ADD CONSTRAINT "achievement_valuations_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_experts" ADD CONSTRAINT "evaluation_experts_expert_id_fkey" FOREIGN KEY ("expert_id") REFERENCES "public"."catalog_experts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_experts" ADD CONSTRAINT "evaluation_experts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_panel_members" ADD CONSTRAINT "evaluation_panel_members_evaluation_id_fkey" FOREIGN KEY ("evaluation_id") REFERENCES "public"."achievement_evaluations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_notice_objections" ADD CONSTRAINT "price_notice_objections_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "public"."price_notices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_notice_policies" ADD CONSTRAINT "price_notice_policies_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_notices" ADD CONSTRAINT "price_notices_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_notices" ADD CONSTRAINT "price_notices_achievement_id_fkey" FOREIGN KEY ("achievement_id") REFERENCES "public"."catalog_listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "achievement_evaluations_achievement_idx" ON "achievement_evaluations" USING btree ("achievement_id","id");--> statement-breakpoint
CREATE INDEX "achievement_valuations_achievement_idx" ON "achievement_valuations" USING btree ("achievement_id","id");--> statement-breakpoint
CREATE INDEX "evaluation_panel_members_user_idx" ON "evaluation_panel_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "price_notice_objections_notice_idx" ON "price_notice_objections" USING btree ("notice_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "price_notice_objections_objector_key" ON "price_notice_objections" USING btree ("notice_id","objector_kind","objector_id");--> statement-breakpoint
CREATE INDEX "price_notices_achievement_idx" ON "price_notices" USING btree ("achievement_id","id");--> statement-breakpoint
CREATE INDEX "price_notices_organisation_idx" ON "price_notices" USING btree ("organisation_id","id");