CREATE TABLE "outbox_progress" (
	"queue" text PRIMARY KEY NOT NULL,
	"progressed_at" timestamp with time zone NOT NULL
);
