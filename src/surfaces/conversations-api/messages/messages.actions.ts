import type { MessageChange } from "./messages.repository";
import type { MessageAction } from "./messages.schemas";

/**
 * The review state machine of an AI draft (a pending outbound message):
 * Approve → approved and sent; Reject → rejected, not sent; Edit → new text, still pending.
 * Only `pending` outbound messages can be acted on; the repository enforces that atomically.
 */
export function changeFor(action: MessageAction): MessageChange {
  switch (action.action) {
    case "Approve":
      return { status: "approved", sent: true };
    case "Reject":
      return { status: "rejected", sent: false };
    case "Edit":
      return { status: "pending", sent: false, message: action.editedMessage ?? "" };
  }
}
