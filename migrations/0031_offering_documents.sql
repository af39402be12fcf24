ALTER TABLE "matching_documents" DROP CONSTRAINT "matching_documents_type_check";--> statement-breakpoint
ALTER TABLE "matching_documents" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "matching_documents" ADD CONSTRAINT "matching_documents_type_check" CHECK ("matching_documents"."type" IN ('achievement', 'need', 'expert', 'institution', 'offering'));