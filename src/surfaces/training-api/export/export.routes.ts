import { createRoute, z } from "@hono/zod-openapi";
import { bearerSecurity } from "../bearer";
import { ExportDocumentSchema } from "../snapshots/snapshots.schemas";
import { ExportQuerySchema } from "./export.schemas";

const line = (example: string) => z.string().openapi({ example });

export const exportTrainingData = createRoute({
  operationId: "exportTrainingData",
  method: "get",
  path: "/api/training/export",
  tags: ["Training data"],
  summary: "Export training data: snapshots, or reviewed drafts as preference pairs",
  description: [
    "Streamed page by page.",
    "`format=json` (default) is the vendor's document as an attachment `training-data-<ts>.json` (`totalSnapshots` comes after `data`, so it counts exactly what was streamed).",
    '`format=jsonl` gives one `{"messages":[{"role","content"}…]}` line per snapshot: the organization\'s side is `assistant`, the customer `user`.',
    "The preference formats are made from reviewed AI drafts (filters as `GET /api/training/reviews`). Each line's prompt is the conversation up to the draft: the customer's messages as `user`, what was sent as `assistant`. A pair is an edited draft (the final text preferred to the AI's) or a rejected draft a person's own reply followed before the customer's next message (that reply preferred); an edit of whitespace or letter case only makes no pair.",
    '`format=preference`: OpenAI\'s preference fine-tuning format (also accepted by Together, Fireworks and Azure): `{"input":{"messages":[…]},"preferred_output":[…],"non_preferred_output":[…]}`.',
    '`format=preference-trl`: TRL\'s conversational preference form `{"prompt":[…],"chosen":[…],"rejected":[…]}`.',
    '`format=kto`: TRL\'s unpaired form `{"prompt":[…],"completion":[…],"label":true|false}`: texts sent as written and texts a person wrote are `true`, AI originals a person changed or refused `false`.',
  ].join("\n\n"),
  security: bearerSecurity,
  request: { query: ExportQuerySchema },
  responses: {
    200: {
      description: "The export, streamed",
      headers: {
        "Content-Disposition": {
          description:
            "attachment; filename=training-data-<ts>.json|.jsonl, preference-data-<ts>.jsonl",
          schema: { type: "string" },
        },
      },
      content: {
        "application/json": { schema: ExportDocumentSchema },
        "application/x-ndjson": {
          schema: line('{"messages":[{"role":"assistant","content":"Hi! How can we help?"}]}\n'),
          examples: {
            jsonl: {
              value:
                '{"messages":[{"role":"user","content":"Can I come Friday?"},{"role":"assistant","content":"Friday at 10am works."}]}\n',
            },
            preference: {
              value:
                '{"input":{"messages":[{"role":"user","content":"Can I come Friday?"}]},"preferred_output":[{"role":"assistant","content":"Friday at 10am works. Shall I book it?"}],"non_preferred_output":[{"role":"assistant","content":"Friday is open."}]}\n',
            },
            "preference-trl": {
              value:
                '{"prompt":[{"role":"user","content":"Can I come Friday?"}],"chosen":[{"role":"assistant","content":"Friday at 10am works. Shall I book it?"}],"rejected":[{"role":"assistant","content":"Friday is open."}]}\n',
            },
            kto: {
              value:
                '{"prompt":[{"role":"user","content":"Can I come Friday?"}],"completion":[{"role":"assistant","content":"Friday at 10am works. Shall I book it?"}],"label":true}\n{"prompt":[{"role":"user","content":"Can I come Friday?"}],"completion":[{"role":"assistant","content":"Friday is open."}],"label":false}\n',
            },
          },
        },
      },
    },
  },
});

export type ExportRoute = typeof exportTrainingData;
