// Streamed token chunks written straight to the response's socket with our own HTTP/1.1 chunked framing
// (`<hex length>\r\n<data>\r\n`): one string, one write(2) on the descriptor, done by the time the call returns
// (measured ~10% cheaper per token than socket.write, which wraps the same syscall in stream bookkeeping).
// node:http's res.write would cork the socket, queue three pieces and write them on the next tick, after the
// whole batch of an iteration had been "written": slower per token and later than the emission log could see.
// node:http keeps no per-chunk state for a chunked body, so res.end() afterwards still writes the terminating
// `0\r\n\r\n`, emits 'finish' and hands a kept-alive connection to its next request as usual.
import { writeSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

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
  if (socket !== null && res.chunkedEncoding && res.writableLength === 0 && socket.writable) writeNow(socket, framed);
  else res.write(data);
}

/**
 * One write(2) on the socket's descriptor when it has one and nothing is queued in libuv (writableLength 0):
 * no stream bookkeeping around the syscall. Whatever the kernel does not take (a full socket buffer, a
 * partial write) or any error goes through socket.write, which queues it in order or reports the error.
 */
function writeNow(socket: Socket, framed: string): void {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return void socket.write(framed);
  let written: number;
  try {
    written = writeSync(fd, framed);
  } catch {
    return void socket.write(framed);
  }
  if (written < framed.length) {
    const bytes = Buffer.from(framed);
    if (written < bytes.length) socket.write(bytes.subarray(written));
  }
}
