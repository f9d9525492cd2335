/**
 * A body streamed page by page as a pull stream: the next page is read only when the client has
 * taken the previous one, so memory holds one page whatever the size of the whole. `page()`
 * gives the text of the next page and whether it was the last. A failure after the headers are
 * gone can only truncate the body: `onError` says why.
 */
export function pagedTextStream(
  page: () => Promise<{ text: string; done: boolean }>,
  onError: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { text, done } = await page();
          if (text) controller.enqueue(encoder.encode(text));
          if (done) controller.close();
        } catch (error) {
          onError(error);
          controller.error(error);
        }
      },
    },
    { highWaterMark: 0 },
  );
}
