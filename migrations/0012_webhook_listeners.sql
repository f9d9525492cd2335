-- Who listens to what: one row per enabled webhook endpoint and event type it subscribes to, so
-- that "does an enabled endpoint of this organization listen to this type?" (asked inside every
-- write batch that announces an event: the event's insert, or the fence's trip when the insert is
-- left out) is a lookup of the primary key instead of reading each endpoint's `events` array.
--
-- Derived from webhook_endpoints, which stays the only record: the triggers keep it in step inside
-- the statement that changes an endpoint, so in the same D1 batch and transaction, whatever writes
-- the endpoint (the API, a move between shards, a seed). Like the full-text indexes it is not one
-- of the schema's tables and a move does not copy it: copying the endpoints rebuilds it.
CREATE TABLE `webhook_listeners` (
	`organization_id` text NOT NULL,
	`type` text NOT NULL,
	`endpoint_id` text NOT NULL,
	PRIMARY KEY (`organization_id`, `type`, `endpoint_id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT OR IGNORE INTO `webhook_listeners` (`organization_id`, `type`, `endpoint_id`)
	SELECT e.`organization_id`, j.value, e.`id` FROM `webhook_endpoints` e, json_each(e.`events`) j
	WHERE e.`enabled`;
--> statement-breakpoint
CREATE TRIGGER `webhook_endpoints_listeners_insert` AFTER INSERT ON `webhook_endpoints` WHEN new.`enabled` BEGIN
	INSERT OR IGNORE INTO `webhook_listeners` (`organization_id`, `type`, `endpoint_id`)
		SELECT new.`organization_id`, value, new.`id` FROM json_each(new.`events`);
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_endpoints_listeners_update` AFTER UPDATE OF `organization_id`, `events`, `enabled` ON `webhook_endpoints` BEGIN
	DELETE FROM `webhook_listeners` WHERE `organization_id` = old.`organization_id` AND `endpoint_id` = old.`id`
		AND `type` IN (SELECT value FROM json_each(old.`events`));
	INSERT OR IGNORE INTO `webhook_listeners` (`organization_id`, `type`, `endpoint_id`)
		SELECT new.`organization_id`, value, new.`id` FROM json_each(new.`events`) WHERE new.`enabled`;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_endpoints_listeners_delete` AFTER DELETE ON `webhook_endpoints` BEGIN
	DELETE FROM `webhook_listeners` WHERE `organization_id` = old.`organization_id` AND `endpoint_id` = old.`id`
		AND `type` IN (SELECT value FROM json_each(old.`events`));
END;
