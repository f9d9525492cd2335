CREATE TABLE `draft_revisions` (
	`message_id` text NOT NULL,
	`revision` integer NOT NULL,
	`organization_id` text NOT NULL,
	`action` text NOT NULL,
	`message` text,
	`actor_type` text,
	`actor_id` text,
	`actor_name` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`message_id`, `revision`),
	FOREIGN KEY (`message_id`) REFERENCES `drafts`(`message_id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "draft_revisions_action_ck" CHECK(action in ('Draft', 'Edit', 'Approve', 'Reject'))
);
--> statement-breakpoint
CREATE TABLE `drafts` (
	`message_id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`agent_id` text,
	`pathway_id` text,
	`model` text,
	`prompt_version` text,
	`draft` text,
	`final` text,
	`outcome` text,
	`reason` text,
	`drafted_at` integer NOT NULL,
	`reviewed_at` integer,
	`review_ms` integer,
	`edit_distance` integer,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`,`conversation_id`) REFERENCES `conversations`(`organization_id`,`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "drafts_outcome_ck" CHECK(outcome is null or outcome in ('approved', 'edited', 'rejected'))
);
--> statement-breakpoint
CREATE INDEX `drafts_org_reviewed_idx` ON `drafts` (`organization_id`,`reviewed_at`,`message_id`) WHERE "drafts"."reviewed_at" is not null;--> statement-breakpoint
CREATE INDEX `drafts_org_drafted_idx` ON `drafts` (`organization_id`,`drafted_at`);--> statement-breakpoint
CREATE INDEX `drafts_distance_pending_idx` ON `drafts` (`reviewed_at`) WHERE "drafts"."outcome" = 'edited' and "drafts"."edit_distance" is null and "drafts"."draft" is not null;--> statement-breakpoint
-- Drafts awaiting review when history began. The AI's text is known only for a draft never
-- edited (still at its creation time); an edited one has no original (null) and a step `Edit`
-- for its current text. Who took those steps is unknown (null).
INSERT INTO `drafts` (`message_id`, `organization_id`, `conversation_id`, `agent_id`, `pathway_id`, `draft`, `drafted_at`)
SELECT m.`id`, m.`organization_id`, m.`conversation_id`, c.`agent_id`, c.`pathway_id`,
  CASE WHEN m.`updated_at` = m.`created_at` THEN m.`message` END, m.`created_at`
FROM `messages` m JOIN `conversations` c ON c.`id` = m.`conversation_id` AND c.`organization_id` = m.`organization_id`
WHERE m.`direction` = 'outbound' AND m.`status` = 'pending';
--> statement-breakpoint
INSERT INTO `draft_revisions` (`message_id`, `revision`, `organization_id`, `action`, `message`, `created_at`)
SELECT `message_id`, 0, `organization_id`, 'Draft', `draft`, `drafted_at` FROM `drafts`;
--> statement-breakpoint
INSERT INTO `draft_revisions` (`message_id`, `revision`, `organization_id`, `action`, `message`, `created_at`)
SELECT d.`message_id`, 1, d.`organization_id`, 'Edit', m.`message`, m.`updated_at`
FROM `drafts` d JOIN `messages` m ON m.`id` = d.`message_id`
WHERE d.`draft` IS NULL;
