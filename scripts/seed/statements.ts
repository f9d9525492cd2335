import {
  apiKeys,
  contacts,
  conversations,
  draftRevisions,
  drafts,
  messages,
  organizations,
  trainingSnapshotMessages,
  trainingSnapshots,
  trainingSnapshotTags,
  users,
} from "../../src/platform/db/schema";
import { demoData } from "./demo-data";
import { literal, upsert } from "./sql";

/**
 * The seed as SQL statements, parents before children, safe to run any number of times. `now`
 * dates the demo reviews (the week before its UTC day; default: the time of the call).
 */
export async function seedStatements(options: { now?: number } = {}): Promise<string[]> {
  const data = await demoData(options);
  const snapshotIds = data.snapshots.map((s) => literal(s.id)).join(", ");
  const draftIds = data.drafts.map((d) => literal(d.messageId)).join(", ");
  return [
    ...upsert(organizations, data.organizations),
    ...upsert(users, data.users),
    ...upsert(contacts, data.contacts),
    ...upsert(apiKeys, data.apiKeys),
    ...upsert(conversations, data.conversations),
    ...upsert(messages, data.messages),
    // A draft's review is put back with its message; its steps are replaced whole, so actions
    // taken while trying things are undone in its history too.
    ...upsert(drafts, data.drafts),
    `DELETE FROM "draft_revisions" WHERE "message_id" IN (${draftIds});`,
    ...upsert(draftRevisions, data.draftRevisions),
    ...upsert(trainingSnapshots, data.snapshots),
    // A snapshot's copies and tags are replaced whole, so edits made while trying things are undone.
    `DELETE FROM "training_snapshot_messages" WHERE "snapshot_id" IN (${snapshotIds});`,
    `DELETE FROM "training_snapshot_tags" WHERE "snapshot_id" IN (${snapshotIds});`,
    ...upsert(trainingSnapshotMessages, data.snapshotMessages),
    ...upsert(trainingSnapshotTags, data.snapshotTags),
  ];
}
