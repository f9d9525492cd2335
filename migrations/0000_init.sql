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
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_uq` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_org_created_idx` ON `api_keys` (`organization_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `api_keys_created_by_idx` ON `api_keys` (`created_by_user_id`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`first_name` text NOT NULL,
	`last_name` text,
	`phone_number` text,
	`email` text,
	`channel_type` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "contacts_channel_type_ck" CHECK(channel_type in ('sms', 'email', 'whatsapp', 'voice', 'webchat'))
);
--> statement-breakpoint
CREATE INDEX `contacts_org_created_idx` ON `contacts` (`organization_id`,`created_at`,`id`);--> statement-breakpoint
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
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `conversations_org_created_idx` ON `conversations` (`organization_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_org_pathway_created_idx` ON `conversations` (`organization_id`,`pathway_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_org_agent_created_idx` ON `conversations` (`organization_id`,`agent_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_org_updated_idx` ON `conversations` (`organization_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_contact_created_idx` ON `conversations` (`contact_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_user_idx` ON `conversations` (`user_id`);--> statement-breakpoint
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
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "messages_direction_ck" CHECK(direction in ('inbound', 'outbound')),
	CONSTRAINT "messages_sender_type_ck" CHECK(sender_type in ('AI', 'human', 'system')),
	CONSTRAINT "messages_status_ck" CHECK(status in ('pending', 'approved', 'rejected', 'sent', 'delivered', 'failed', 'received'))
);
--> statement-breakpoint
CREATE INDEX `messages_conversation_created_idx` ON `messages` (`conversation_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
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
	FOREIGN KEY (`snapshot_id`) REFERENCES `training_snapshots`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
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
	FOREIGN KEY (`snapshot_id`) REFERENCES `training_snapshots`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `snapshot_tags_org_tag_created_idx` ON `training_snapshot_tags` (`organization_id`,`tag`,`is_archived`,`created_at`,`snapshot_id`);--> statement-breakpoint
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
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "snapshots_quality_ck" CHECK("training_snapshots"."quality" is null or quality in ('good', 'neutral', 'bad'))
);
--> statement-breakpoint
CREATE INDEX `snapshots_org_archived_created_idx` ON `training_snapshots` (`organization_id`,`is_archived`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `snapshots_org_archived_quality_created_idx` ON `training_snapshots` (`organization_id`,`is_archived`,`quality`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `snapshots_org_archived_category_created_idx` ON `training_snapshots` (`organization_id`,`is_archived`,`category`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `snapshots_contact_created_idx` ON `training_snapshots` (`contact_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `snapshots_user_idx` ON `training_snapshots` (`user_id`);--> statement-breakpoint
CREATE INDEX `snapshots_conversation_idx` ON `training_snapshots` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`first_name` text NOT NULL,
	`last_name` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "users_role_ck" CHECK(role in ('admin', 'manager', 'agent'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_org_email_uq` ON `users` (`organization_id`,`email`);--> statement-breakpoint
CREATE INDEX `users_email_org_idx` ON `users` (`email`,`organization_id`);