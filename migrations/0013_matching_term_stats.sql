CREATE TABLE "matching_term_stats" (
	"namespace" text NOT NULL,
	"type" text NOT NULL,
	"lexeme" text NOT NULL,
	"df" integer NOT NULL,
	CONSTRAINT "matching_term_stats_pk" PRIMARY KEY("namespace","type","lexeme")
);
