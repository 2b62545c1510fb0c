/**
 * Reads a byte stream (an incoming request, a fetch response body) whole, unless it is longer
 * than `limit` bytes: then `undefined`, and the rest is not read. Errors of the stream (an abort,
 * a broken connection) are thrown as they come.
 */
export async function readAtMost(stream: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer | undefined> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += chunk.byteLength;
    if (length > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}
