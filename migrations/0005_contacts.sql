CREATE UNIQUE INDEX `contacts_org_phone_uq` ON `contacts` (`organization_id`,`phone_number`) WHERE "contacts"."phone_number" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_org_email_uq` ON `contacts` (`organization_id`,`email`) WHERE "contacts"."email" is not null;--> statement-breakpoint
-- Full-text search for `q` on the contact list (as for snapshots, migration 0003): a trigram
-- FTS5 index of organization, full name, email and phone, keyed by the contact's rowid. It keeps
-- its own copy of the name ("first last", so "Jane Doe" matches across both columns); triggers
-- keep it in step inside the statement that changes a contact.
CREATE VIRTUAL TABLE `contact_search` USING fts5(
  organization_id, name, email, phone_number, tokenize = 'trigram'
);
--> statement-breakpoint
INSERT INTO `contact_search` (rowid, organization_id, name, email, phone_number)
  SELECT rowid, organization_id, trim(first_name || ' ' || coalesce(last_name, '')), email, phone_number
  FROM `contacts`;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_insert` AFTER INSERT ON `contacts` BEGIN
  INSERT INTO `contact_search` (rowid, organization_id, name, email, phone_number)
    VALUES (new.rowid, new.organization_id, trim(new.first_name || ' ' || coalesce(new.last_name, '')), new.email, new.phone_number);
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_update` AFTER UPDATE OF organization_id, first_name, last_name, email, phone_number ON `contacts` BEGIN
  DELETE FROM `contact_search` WHERE rowid = old.rowid;
  INSERT INTO `contact_search` (rowid, organization_id, name, email, phone_number)
    VALUES (new.rowid, new.organization_id, trim(new.first_name || ' ' || coalesce(new.last_name, '')), new.email, new.phone_number);
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_delete` AFTER DELETE ON `contacts` BEGIN
  DELETE FROM `contact_search` WHERE rowid = old.rowid;
END;
