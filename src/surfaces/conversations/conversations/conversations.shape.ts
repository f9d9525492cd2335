import { fullName, textOrNull } from "../../../platform/util/text";
import { toIso } from "../../../platform/util/time";
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
    messages: messages.map(shapeMessage),
    createdAt: toIso(record.createdAt),
    updatedAt: toIso(record.updatedAt),
  };
}

/** A message as it appears in a conversation's `messages`. */
export const shapeMessage = (m: ConversationMessageRecord) => ({
  direction: m.direction,
  sent: m.sent,
  message: m.message,
  status: m.status,
  _id: m.id,
  createdAt: toIso(m.createdAt),
  updatedAt: toIso(m.updatedAt),
});

/** Where a reply goes: the email address on the email channel, the phone number otherwise. */
export function recipientOf(contact: {
  channelType: string;
  email: string | null;
  phoneNumber: string | null;
}): string | null {
  const email = textOrNull(contact.email);
  const phone = textOrNull(contact.phoneNumber);
  return contact.channelType === "email" ? (email ?? phone) : (phone ?? email);
}

/** The vendor's answer to a message action. */
export function shapeActionResult(
  message: ConversationMessageRecord,
  contact: Parameters<typeof recipientOf>[0],
) {
  return {
    status: "success" as const,
    message: {
      _id: message.id,
      message: message.message,
      to: recipientOf(contact),
      sent: message.sent,
      status: message.status,
      timestamp: toIso(message.updatedAt),
    },
  };
}
