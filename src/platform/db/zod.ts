import { z } from "@hono/zod-openapi";
import { createSchemaFactory } from "drizzle-zod";
import {
  contacts,
  conversations,
  draftRevisions,
  drafts,
  messages,
  trainingSnapshotMessages,
  trainingSnapshots,
  users,
  webhookDeliveries,
  webhookEndpoints,
} from "./schema";

/*
 * Column schemas derived from the Drizzle tables: the single definition of each stored field's
 * type, nullability and enum values. API shapes pick from these and add only what the wire format
 * changes (renamed keys, ISO dates, nesting).
 */
const { createSelectSchema } = createSchemaFactory({ zodInstance: z });

export const userColumns = createSelectSchema(users).shape;
export const contactColumns = createSelectSchema(contacts).shape;
export const conversationColumns = createSelectSchema(conversations).shape;
export const messageColumns = createSelectSchema(messages).shape;
export const snapshotColumns = createSelectSchema(trainingSnapshots).shape;
export const snapshotMessageColumns = createSelectSchema(trainingSnapshotMessages).shape;
export const webhookEndpointColumns = createSelectSchema(webhookEndpoints).shape;
export const webhookDeliveryColumns = createSelectSchema(webhookDeliveries).shape;
export const draftColumns = createSelectSchema(drafts).shape;
export const revisionColumns = createSelectSchema(draftRevisions).shape;
