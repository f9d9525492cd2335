import { z } from "@hono/zod-openapi";

export const REQUIRED_MESSAGE = "is required";

const UNITS: Record<string, string> = { string: "characters", array: "items", set: "items" };

/**
 * Messages that read after a field name ("body.tags must have at most 20 items"), installed once
 * for every schema. Codes not handled here keep zod's own message.
 */
z.config({
  customError: (issue) => {
    switch (issue.code) {
      case "invalid_type":
        return issue.input === undefined ? REQUIRED_MESSAGE : `must be of type ${issue.expected}`;
      case "too_big": {
        const unit = UNITS[issue.origin];
        const bound = issue.inclusive === false ? "less than" : "at most";
        return unit
          ? `must have ${bound} ${issue.maximum} ${unit}`
          : `must be ${bound} ${issue.maximum}`;
      }
      case "too_small": {
        const unit = UNITS[issue.origin];
        const bound = issue.inclusive === false ? "more than" : "at least";
        return unit
          ? `must have ${bound} ${issue.minimum} ${unit}`
          : `must be ${bound} ${issue.minimum}`;
      }
      case "invalid_value":
        if (issue.input === undefined) return REQUIRED_MESSAGE;
        return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      default:
        return undefined;
    }
  },
});
