CREATE TABLE `fence_trips` (
	`organization_id` text NOT NULL,
	`state` text NOT NULL,
	CONSTRAINT "organization_frozen" CHECK("fence_trips"."state" <> 'frozen'),
	CONSTRAINT "organization_moved" CHECK("fence_trips"."state" <> 'moved')
);
--> statement-breakpoint
CREATE TABLE `organization_fences` (
	`organization_id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`moved_to` text,
	`since` integer NOT NULL,
	CONSTRAINT "organization_fences_state_check" CHECK(state in ('frozen', 'moved'))
);
