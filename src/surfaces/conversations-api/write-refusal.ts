import { ApiError, validationError } from "../../platform/errors/api-error";
import { findDatabaseError } from "../../platform/errors/database-error";

const TAKEN = /UNIQUE constraint failed: (conversations|messages)\.id/;

/** A write refused for a taken id (409) or an unknown user (400); anything else as it is. */
export function refusal(error: unknown, body: { userId?: string | null }): never {
  const message = findDatabaseError(error)?.message ?? "";
  const taken = TAKEN.exec(message);
  if (taken) {
    throw new ApiError(
      "conflict",
      taken[1] === "conversations"
        ? "A conversation with this _id already exists"
        : "A message with one of these _id values already exists",
    );
  }
  if (/FOREIGN KEY constraint failed/.test(message) && body.userId) {
    throw validationError([
      { field: "body.userId", rule: "unknown_user", message: "is not a user of this workspace" },
    ]);
  }
  throw error;
}
