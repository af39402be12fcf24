CREATE TABLE "matching_embeddings" (
	"namespace" text NOT NULL,
	"type" text NOT NULL,
	"id" text NOT NULL,
	"model" text NOT NULL,
	"content_hash" text NOT NULL,
	"dims" integer NOT NULL,
	"vector" "bytea" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "matching_embeddings_pk" PRIMARY KEY("namespace","type","id"),
	CONSTRAINT "matching_embeddings_dims_check" CHECK ("matching_embeddings"."dims" BETWEEN 1 AND 4096 AND octet_length("matching_embeddings"."vector") = 4 * "matching_embeddings"."dims")
);
