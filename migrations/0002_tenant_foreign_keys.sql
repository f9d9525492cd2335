-- Tenant-safe references: every reference from one tenant-owned row to another becomes a composite
-- foreign key (organization_id, <parent>_id) -> parent (organization_id, id), so a row can only
-- point at a row of its own organization, whoever writes it.
--
-- SQLite cannot alter a foreign key, so six tables are rebuilt. NOT with the usual "create new,
-- copy, DROP old, rename" (what drizzle-kit writes): D1 always enforces foreign keys, and dropping
-- a parent table deletes its rows first, which CASCADEs into the children (every message of every
-- conversation would go). Instead the old tables are renamed out of the way first (a rename also
-- repoints the references among them), the new ones are created under the real names, filled,
-- and the old ones are dropped children first, when nothing but other old tables refers to them.
--
-- Rows that already point at another tenant's row (impossible through the API, possible through
-- hand-written SQL) do not survive as such: an optional reference is set to NULL, a row whose
-- required parent is in another organization is not copied.
--
-- ON DELETE SET NULL on a composite key would null organization_id too, so optional references
-- are NO ACTION and nulled by the AFTER DELETE triggers at the end.
PRAGMA defer_foreign_keys = on;
--> statement-breakpoint
CREATE UNIQUE INDEX `users_org_id_uq` ON `users` (`organization_id`,`id`);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_org_id_uq` ON `contacts` (`organization_id`,`id`);
--> statement-breakpoint
ALTER TABLE `api_keys` RENAME TO `api_keys_old`;
--> statement-breakpoint
ALTER TABLE `conversations` RENAME TO `conversations_old`;
--> statement-breakpoint
ALTER TABLE `messages` RENAME TO `messages_old`;
--> statement-breakpoint
ALTER TABLE `training_snapshots` RENAME TO `training_snapshots_old`;
--> statement-breakpoint
ALTER TABLE `training_snapshot_messages` RENAME TO `training_snapshot_messages_old`;
--> statement-breakpoint
ALTER TABLE `training_snapshot_tags` RENAME TO `training_snapshot_tags_old`;
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_by_user_id` text,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`,`created_by_user_id`) REFERENCES `users`(`organization_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`user_id` text,
	`pathway_id` text,
	`agent_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`,`contact_id`) REFERENCES `contacts`(`organization_id`,`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`,`user_id`) REFERENCES `users`(`organization_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_org_id_uq` ON `conversations` (`organization_id`,`id`);
--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`direction` text NOT NULL,
	`sender_type` text NOT NULL,
	`sent` integer NOT NULL,
	`message` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`,`conversation_id`) REFERENCES `conversations`(`organization_id`,`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "messages_direction_ck" CHECK(direction in ('inbound', 'outbound')),
	CONSTRAINT "messages_sender_type_ck" CHECK(sender_type in ('AI', 'human', 'system')),
	CONSTRAINT "messages_status_ck" CHECK(status in ('pending', 'approved', 'rejected', 'sent', 'delivered', 'failed', 'received'))
);
--> statement-breakpoint
CREATE TABLE `training_snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`user_id` text,
	`contact_id` text,
	`conversation_id` text,
	`customer_name` text,
	`customer_phone` text,
	`customer_email` text,
	`message_count` integer NOT NULL,
	`snapshot_date` integer NOT NULL,
	`conversation_start_date` integer,
	`conversation_end_date` integer,
	`notes` text,
	`tags` text NOT NULL,
	`quality` text,
	`category` text,
	`is_archived` integer DEFAULT false NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`,`user_id`) REFERENCES `users`(`organization_id`,`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`organization_id`,`contact_id`) REFERENCES `contacts`(`organization_id`,`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`organization_id`,`conversation_id`) REFERENCES `conversations`(`organization_id`,`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "snapshots_quality_ck" CHECK("training_snapshots"."quality" is null or quality in ('good', 'neutral', 'bad'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `snapshots_org_id_uq` ON `training_snapshots` (`organization_id`,`id`);
--> statement-breakpoint
CREATE TABLE `training_snapshot_messages` (
	`snapshot_id` text NOT NULL,
	`position` integer NOT NULL,
	`organization_id` text NOT NULL,
	`message_id` text NOT NULL,
	`content` text NOT NULL,
	`sender` text NOT NULL,
	`sender_type` text NOT NULL,
	`timestamp` integer NOT NULL,
	PRIMARY KEY(`snapshot_id`, `position`),
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`,`snapshot_id`) REFERENCES `training_snapshots`(`organization_id`,`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "snapshot_messages_sender_ck" CHECK(sender in ('user', 'contact')),
	CONSTRAINT "snapshot_messages_sender_type_ck" CHECK(sender_type in ('AI', 'human', 'system'))
);
--> statement-breakpoint
CREATE TABLE `training_snapshot_tags` (
	`snapshot_id` text NOT NULL,
	`tag` text NOT NULL,
	`organization_id` text NOT NULL,
	`is_archived` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`snapshot_id`, `tag`),
	FOREIGN KEY (`organization_id`,`snapshot_id`) REFERENCES `training_snapshots`(`organization_id`,`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `api_keys` (`id`, `organization_id`, `name`, `prefix`, `key_hash`, `created_by_user_id`, `created_at`, `last_used_at`, `revoked_at`)
  SELECT o.`id`,
    o.`organization_id`,
    o.`name`,
    o.`prefix`,
    o.`key_hash`,
    CASE WHEN EXISTS (SELECT 1 FROM `users` p WHERE p.`organization_id` = o.`organization_id` AND p.`id` = o.`created_by_user_id`) THEN o.`created_by_user_id` END,
    o.`created_at`,
    o.`last_used_at`,
    o.`revoked_at`
  FROM `api_keys_old` o;
--> statement-breakpoint
INSERT INTO `conversations` (`id`, `organization_id`, `contact_id`, `user_id`, `pathway_id`, `agent_id`, `created_at`, `updated_at`)
  SELECT o.`id`,
    o.`organization_id`,
    o.`contact_id`,
    CASE WHEN EXISTS (SELECT 1 FROM `users` p WHERE p.`organization_id` = o.`organization_id` AND p.`id` = o.`user_id`) THEN o.`user_id` END,
    o.`pathway_id`,
    o.`agent_id`,
    o.`created_at`,
    o.`updated_at`
  FROM `conversations_old` o
  WHERE EXISTS (SELECT 1 FROM `contacts` p WHERE p.`organization_id` = o.`organization_id` AND p.`id` = o.`contact_id`);
--> statement-breakpoint
INSERT INTO `messages` (`id`, `organization_id`, `conversation_id`, `direction`, `sender_type`, `sent`, `message`, `status`, `created_at`, `updated_at`)
  SELECT o.`id`,
    o.`organization_id`,
    o.`conversation_id`,
    o.`direction`,
    o.`sender_type`,
    o.`sent`,
    o.`message`,
    o.`status`,
    o.`created_at`,
    o.`updated_at`
  FROM `messages_old` o
  WHERE EXISTS (SELECT 1 FROM `conversations` p WHERE p.`organization_id` = o.`organization_id` AND p.`id` = o.`conversation_id`);
--> statement-breakpoint
INSERT INTO `training_snapshots` (`id`, `organization_id`, `user_id`, `contact_id`, `conversation_id`, `customer_name`, `customer_phone`, `customer_email`, `message_count`, `snapshot_date`, `conversation_start_date`, `conversation_end_date`, `notes`, `tags`, `quality`, `category`, `is_archived`, `version`, `created_at`, `updated_at`)
  SELECT o.`id`,
    o.`organization_id`,
    CASE WHEN EXISTS (SELECT 1 FROM `users` p WHERE p.`organization_id` = o.`organization_id` AND p.`id` = o.`user_id`) THEN o.`user_id` END,
    CASE WHEN EXISTS (SELECT 1 FROM `contacts` p WHERE p.`organization_id` = o.`organization_id` AND p.`id` = o.`contact_id`) THEN o.`contact_id` END,
    CASE WHEN EXISTS (SELECT 1 FROM `conversations` p WHERE p.`organization_id` = o.`organization_id` AND p.`id` = o.`conversation_id`) THEN o.`conversation_id` END,
    o.`customer_name`,
    o.`customer_phone`,
    o.`customer_email`,
    o.`message_count`,
    o.`snapshot_date`,
    o.`conversation_start_date`,
    o.`conversation_end_date`,
    o.`notes`,
    o.`tags`,
    o.`quality`,
    o.`category`,
    o.`is_archived`,
    o.`version`,
    o.`created_at`,
    o.`updated_at`
  FROM `training_snapshots_old` o;
--> statement-breakpoint
INSERT INTO `training_snapshot_messages` (`snapshot_id`, `position`, `organization_id`, `message_id`, `content`, `sender`, `sender_type`, `timestamp`)
  SELECT o.`snapshot_id`,
    o.`position`,
    o.`organization_id`,
    o.`message_id`,
    o.`content`,
    o.`sender`,
    o.`sender_type`,
    o.`timestamp`
  FROM `training_snapshot_messages_old` o
  WHERE EXISTS (SELECT 1 FROM `training_snapshots` p WHERE p.`organization_id` = o.`organization_id` AND p.`id` = o.`snapshot_id`);
--> statement-breakpoint
INSERT INTO `training_snapshot_tags` (`snapshot_id`, `tag`, `organization_id`, `is_archived`, `created_at`)
  SELECT o.`snapshot_id`,
    o.`tag`,
    o.`organization_id`,
    o.`is_archived`,
    o.`created_at`
  FROM `training_snapshot_tags_old` o
  WHERE EXISTS (SELECT 1 FROM `training_snapshots` p WHERE p.`organization_id` = o.`organization_id` AND p.`id` = o.`snapshot_id`);
--> statement-breakpoint
DROP TABLE `training_snapshot_tags_old`;
--> statement-breakpoint
DROP TABLE `training_snapshot_messages_old`;
--> statement-breakpoint
DROP TABLE `messages_old`;
--> statement-breakpoint
DROP TABLE `api_keys_old`;
--> statement-breakpoint
DROP TABLE `training_snapshots_old`;
--> statement-breakpoint
DROP TABLE `conversations_old`;
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_uq` ON `api_keys` (`key_hash`);
--> statement-breakpoint
CREATE INDEX `api_keys_org_created_idx` ON `api_keys` (`organization_id`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `api_keys_created_by_idx` ON `api_keys` (`created_by_user_id`);
--> statement-breakpoint
CREATE INDEX `conversations_org_created_idx` ON `conversations` (`organization_id`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `conversations_org_pathway_created_idx` ON `conversations` (`organization_id`,`pathway_id`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `conversations_org_agent_created_idx` ON `conversations` (`organization_id`,`agent_id`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `conversations_org_updated_idx` ON `conversations` (`organization_id`,`updated_at`,`id`);
--> statement-breakpoint
CREATE INDEX `conversations_contact_created_idx` ON `conversations` (`contact_id`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `conversations_user_idx` ON `conversations` (`user_id`);
--> statement-breakpoint
CREATE INDEX `messages_conversation_created_idx` ON `messages` (`conversation_id`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `snapshot_tags_org_tag_created_idx` ON `training_snapshot_tags` (`organization_id`,`tag`,`is_archived`,`created_at`,`snapshot_id`);
--> statement-breakpoint
CREATE INDEX `snapshots_org_archived_created_idx` ON `training_snapshots` (`organization_id`,`is_archived`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `snapshots_org_archived_quality_created_idx` ON `training_snapshots` (`organization_id`,`is_archived`,`quality`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `snapshots_org_archived_category_created_idx` ON `training_snapshots` (`organization_id`,`is_archived`,`category`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `snapshots_contact_created_idx` ON `training_snapshots` (`contact_id`,`created_at`,`id`);
--> statement-breakpoint
CREATE INDEX `snapshots_user_idx` ON `training_snapshots` (`user_id`);
--> statement-breakpoint
CREATE INDEX `snapshots_conversation_idx` ON `training_snapshots` (`conversation_id`);
--> statement-breakpoint
CREATE TRIGGER `users_delete_nulls_references` AFTER DELETE ON `users` BEGIN
  UPDATE `api_keys` SET `created_by_user_id` = NULL
    WHERE `organization_id` = old.`organization_id` AND `created_by_user_id` = old.`id`;
  UPDATE `conversations` SET `user_id` = NULL
    WHERE `organization_id` = old.`organization_id` AND `user_id` = old.`id`;
  UPDATE `training_snapshots` SET `user_id` = NULL
    WHERE `organization_id` = old.`organization_id` AND `user_id` = old.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_delete_nulls_references` AFTER DELETE ON `contacts` BEGIN
  UPDATE `training_snapshots` SET `contact_id` = NULL
    WHERE `organization_id` = old.`organization_id` AND `contact_id` = old.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `conversations_delete_nulls_references` AFTER DELETE ON `conversations` BEGIN
  UPDATE `training_snapshots` SET `conversation_id` = NULL
    WHERE `organization_id` = old.`organization_id` AND `conversation_id` = old.`id`;
END;
--> statement-breakpoint
PRAGMA defer_foreign_keys = off;
