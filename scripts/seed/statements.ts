import {
  apiKeys,
  contacts,
  conversations,
  messages,
  organizations,
  trainingSnapshotMessages,
  trainingSnapshots,
  trainingSnapshotTags,
  users,
} from "../../src/platform/db/schema";
import { demoData } from "./demo-data";
import { literal, upsert } from "./sql";

/** The seed as SQL statements, parents before children, safe to run any number of times. */
export async function seedStatements(): Promise<string[]> {
  const data = await demoData();
  const snapshotIds = data.snapshots.map((s) => literal(s.id)).join(", ");
  return [
    ...upsert(organizations, data.organizations),
    ...upsert(users, data.users),
    ...upsert(contacts, data.contacts),
    ...upsert(apiKeys, data.apiKeys),
    ...upsert(conversations, data.conversations),
    ...upsert(messages, data.messages),
    ...upsert(trainingSnapshots, data.snapshots),
    // A snapshot's copies and tags are replaced whole, so edits made while trying things are undone.
    `DELETE FROM "training_snapshot_messages" WHERE "snapshot_id" IN (${snapshotIds});`,
    `DELETE FROM "training_snapshot_tags" WHERE "snapshot_id" IN (${snapshotIds});`,
    ...upsert(trainingSnapshotMessages, data.snapshotMessages),
    ...upsert(trainingSnapshotTags, data.snapshotTags),
  ];
}
