import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors/api-error";

/** The media types Hono's validator reads as JSON. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

async function decode(request: Request): Promise<string> {
  const bytes = await request.arrayBuffer();
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid UTF-8");
  }
}

/**
 * JSON bodies are read as strict UTF-8. The runtime's own reading turns bytes that are not UTF-8
 * (a surrogate encoded on its own among them) into U+FFFD, which would then be stored as if the
 * client had sent it; here they make the body unreadable, and whatever reads it first answers
 * 400 `invalid_json`: the idempotency hash, else validation, in their usual order. Put in Hono's
 * body cache, where `c.req.text()` and `c.req.json()` look first.
 */
export const strictUtf8Body = createMiddleware(async (c, next) => {
  const mediaType = c.req.header("content-type")?.split(";")[0]?.trim() ?? "";
  if (c.req.raw.body && JSON_MEDIA_TYPE.test(mediaType) && !c.req.bodyCache.text) {
    const text = decode(c.req.raw);
    // Awaited later, or never if an earlier check answers.
    text.catch(() => {});
    // The cache holds promises of bodies (its type says otherwise).
    c.req.bodyCache.text = text as unknown as string;
  }
  await next();
});
