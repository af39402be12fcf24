CREATE TABLE "matching_term_associations" (
	"namespace" text NOT NULL,
	"term" text NOT NULL,
	"associate" text NOT NULL,
	"strength" real NOT NULL,
	"support" integer NOT NULL,
	CONSTRAINT "matching_term_associations_pk" PRIMARY KEY("namespace","term","associate")
);
