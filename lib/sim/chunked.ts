// Streamed token chunks written straight to the response's socket with our own HTTP/1.1 chunked framing
// (`<hex length>\r\n<data>\r\n`): one string, one write call, one syscall, done by the time the call returns.
// node:http's res.write would cork the socket, queue three pieces and write them on the next tick, after the
// whole batch of an iteration had been "written": slower per token and later than the emission log could see.
// node:http keeps no per-chunk state for a chunked body, so res.end() afterwards still writes the terminating
// `0\r\n\r\n`, emits 'finish' and hands a kept-alive connection to its next request as usual.
import type { ServerResponse } from 'node:http';

/** True when every character is ASCII, so the UTF-8 byte length is the string length. */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** One HTTP/1.1 chunk; `ascii` says the data is known to be ASCII (no byte count needed). */
export function frameChunk(data: string, ascii: boolean): string {
  const bytes = ascii ? data.length : Buffer.byteLength(data);
  return bytes.toString(16) + '\r\n' + data + '\r\n';
}

/**
 * Writes one non-empty body chunk (`data`, and `framed` = frameChunk(data)) of a streamed response whose
 * headers were flushed (res.flushHeaders()). Direct to the socket when node:http holds nothing back for it (the
 * socket is this response's, the body is chunked, nothing is buffered); otherwise through res.write, which
 * frames `data` itself and keeps every byte in order.
 */
export function writeChunk(res: ServerResponse, data: string, framed: string): void {
  const socket = res.socket;
  if (socket !== null && res.chunkedEncoding && res.writableLength === 0 && socket.writable) socket.write(framed);
  else res.write(data);
}
