CREATE TABLE "service_offerings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"sub_centre_id" uuid,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"price_model" text NOT NULL,
	"price_fen" integer,
	"turnaround_days" integer NOT NULL,
	"region_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"field_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"qualification" jsonb,
	"status" text DEFAULT 'draft' NOT NULL,
	"reject_reason" text,
	"rating_count" integer DEFAULT 0 NOT NULL,
	"rating_sum" integer DEFAULT 0 NOT NULL,
	"published_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_offerings_status_check" CHECK (status IN ('draft','submitted','published','rejected','withdrawn')),
	CONSTRAINT "service_offerings_price_model_check" CHECK (price_model IN ('fixed','from','quote'))
);
--> statement-breakpoint
CREATE TABLE "service_order_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
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
CREATE TABLE "service_orders" (
	"id" uuid PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL,
	"quote_id" uuid NOT NULL,
	"offering_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"buyer_organisation_id" uuid NOT NULL,
	"buyer_sub_centre_id" uuid,
	"institution_organisation_id" uuid NOT NULL,
	"price_fen" integer NOT NULL,
	"turnaround_days" integer NOT NULL,
	"status" text NOT NULL,
	"due_date" text NOT NULL,
	"milestones" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"deliverables" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"dispute" jsonb,
	"cancel_reason" jsonb,
	"rating" jsonb,
	"rating_reply" jsonb,
	"delivered_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_orders_status_check" CHECK (status IN ('quoted','accepted','in_progress','delivered','accepted_by_buyer','disputed','closed','cancelled'))
);
--> statement-breakpoint
CREATE TABLE "service_quotes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL,
	"offering_id" uuid NOT NULL,
	"organisation_id" uuid NOT NULL,
	"price_fen" integer NOT NULL,
	"turnaround_days" integer NOT NULL,
	"valid_until" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organisation_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"field_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"region_code" text,
	"subject" jsonb,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_requests_status_check" CHECK (status IN ('open','ordered','closed'))
);
--> statement-breakpoint
ALTER TABLE "service_offerings" ADD CONSTRAINT "service_offerings_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_order_events" ADD CONSTRAINT "service_order_events_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "public"."service_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_orders" ADD CONSTRAINT "service_orders_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "public"."service_requests"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_orders" ADD CONSTRAINT "service_orders_quote_id_fkey" FOREIGN KEY ("quote_id") REFERENCES "public"."service_quotes"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_orders" ADD CONSTRAINT "service_orders_offering_id_fkey" FOREIGN KEY ("offering_id") REFERENCES "public"."service_offerings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_orders" ADD CONSTRAINT "service_orders_buyer_organisation_id_fkey" FOREIGN KEY ("buyer_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_orders" ADD CONSTRAINT "service_orders_institution_organisation_id_fkey" FOREIGN KEY ("institution_organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_quotes" ADD CONSTRAINT "service_quotes_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "public"."service_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_quotes" ADD CONSTRAINT "service_quotes_offering_id_fkey" FOREIGN KEY ("offering_id") REFERENCES "public"."service_offerings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_quotes" ADD CONSTRAINT "service_quotes_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_requests" ADD CONSTRAINT "service_requests_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "service_offerings_status_idx" ON "service_offerings" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "service_offerings_organisation_idx" ON "service_offerings" USING btree ("organisation_id","id");--> statement-breakpoint
CREATE INDEX "service_order_events_order_idx" ON "service_order_events" USING btree ("order_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "service_orders_quote_key" ON "service_orders" USING btree ("quote_id");--> statement-breakpoint
CREATE INDEX "service_orders_buyer_idx" ON "service_orders" USING btree ("buyer_organisation_id","id");--> statement-breakpoint
CREATE INDEX "service_orders_institution_idx" ON "service_orders" USING btree ("institution_organisation_id","id");--> statement-breakpoint
CREATE INDEX "service_orders_open_due_idx" ON "service_orders" USING btree ("due_date") WHERE status IN ('accepted', 'in_progress');--> statement-breakpoint
CREATE INDEX "service_quotes_request_idx" ON "service_quotes" USING btree ("request_id","id");--> statement-breakpoint
CREATE INDEX "service_requests_organisation_idx" ON "service_requests" USING btree ("organisation_id","id");--> statement-breakpoint
CREATE INDEX "service_requests_kind_idx" ON "service_requests" USING btree ("kind","id");