-- Full-text search for `q` on the snapshot list: an FTS5 index of each snapshot's organization,
-- notes and customer name, so a search reads the index instead of every snapshot of the
-- organization. The trigram tokenizer matches any substring of 3 or more characters,
-- case-insensitively (what LIKE '%q%' did, without D1's 50-byte limit on LIKE patterns).
--
-- External content: the text stays in training_snapshots only; the index is keyed by the
-- snapshot's rowid, which D1 never renumbers (VACUUM cannot run inside D1's transactions). A
-- migration that rebuilds training_snapshots must end with the 'rebuild' below again.
--
-- The triggers keep the index in step inside the statement that changes a snapshot, so in the
-- same D1 batch and transaction: no snapshot is ever searchable with text it no longer has.
CREATE VIRTUAL TABLE `training_snapshot_search` USING fts5(
  organization_id, notes, customer_name,
  content = 'training_snapshots', content_rowid = 'rowid', tokenize = 'trigram'
);
--> statement-breakpoint
INSERT INTO `training_snapshot_search` (`training_snapshot_search`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `training_snapshots_search_insert` AFTER INSERT ON `training_snapshots` BEGIN
  INSERT INTO `training_snapshot_search` (rowid, organization_id, notes, customer_name)
    VALUES (new.rowid, new.organization_id, new.notes, new.customer_name);
END;
--> statement-breakpoint
CREATE TRIGGER `training_snapshots_search_update` AFTER UPDATE OF organization_id, notes, customer_name ON `training_snapshots` BEGIN
  INSERT INTO `training_snapshot_search` (`training_snapshot_search`, rowid, organization_id, notes, customer_name)
    VALUES ('delete', old.rowid, old.organization_id, old.notes, old.customer_name);
  INSERT INTO `training_snapshot_search` (rowid, organization_id, notes, customer_name)
    VALUES (new.rowid, new.organization_id, new.notes, new.customer_name);
END;
--> statement-breakpoint
CREATE TRIGGER `training_snapshots_search_delete` AFTER DELETE ON `training_snapshots` BEGIN
  INSERT INTO `training_snapshot_search` (`training_snapshot_search`, rowid, organization_id, notes, customer_name)
    VALUES ('delete', old.rowid, old.organization_id, old.notes, old.customer_name);
END;
