import { fullName, textOrNull } from "../../lib/text";
import { toIso } from "../../lib/time";
import type { ConversationMessageRecord, ConversationRecord } from "./conversations.repository";
import type { Conversation } from "./conversations.schemas";

/** Rows → the vendor's conversation document: `customer` object, messages oldest first. */
export function shapeConversation(
  record: ConversationRecord,
  messages: ConversationMessageRecord[],
): Conversation {
  const { customer } = record;
  return {
    _id: record.id,
    userId: record.userId,
    pathwayId: record.pathwayId,
    agentId: record.agentId,
    customer: {
      name: fullName(customer.firstName, customer.lastName),
      email: textOrNull(customer.email),
      phone: textOrNull(customer.phoneNumber),
    },
    messages: messages.map((m) => ({
      direction: m.direction,
      sent: m.sent,
      message: m.message,
      status: m.status,
      _id: m.id,
      createdAt: toIso(m.createdAt),
      updatedAt: toIso(m.updatedAt),
    })),
    createdAt: toIso(record.createdAt),
    updatedAt: toIso(record.updatedAt),
  };
}
