PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_fence_trips` (
	`organization_id` text NOT NULL,
	`state` text NOT NULL,
	CONSTRAINT "organization_frozen" CHECK("__new_fence_trips"."state" <> 'frozen'),
	CONSTRAINT "organization_moved" CHECK("__new_fence_trips"."state" <> 'moved'),
	CONSTRAINT "event_listened" CHECK("__new_fence_trips"."state" <> 'listened')
);
--> statement-breakpoint
INSERT INTO `__new_fence_trips`("organization_id", "state") SELECT "organization_id", "state" FROM `fence_trips`;--> statement-breakpoint
DROP TABLE `fence_trips`;--> statement-breakpoint
ALTER TABLE `__new_fence_trips` RENAME TO `fence_trips`;--> statement-breakpoint
PRAGMA foreign_keys=ON;