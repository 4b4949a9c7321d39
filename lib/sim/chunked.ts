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

/** A body chunk beside its HTTP/1.1 framing (`framed`) and the framing's length in bytes. */
export interface FramedChunk {
  data: string;
  framed: string;
  framedBytes: number;
}

/** Frames one chunk; `ascii` says the data is known to be ASCII (no byte count needed). */
export function frameChunk(data: string, ascii: boolean): FramedChunk {
  const bytes = ascii ? data.length : Buffer.byteLength(data);
  const size = bytes.toString(16);
  return { data, framed: size + '\r\n' + data + '\r\n', framedBytes: size.length + bytes + 4 };
}

/**
 * Writes one non-empty body chunk of a streamed response whose headers were flushed (res.flushHeaders()).
 * Direct to the socket when node:http holds nothing back for it (the socket is this response's, the body is
 * chunked, nothing is buffered); otherwise through res.write, which frames the data itself and keeps every byte
 * in order.
 */
export function writeChunk(res: ServerResponse, chunk: FramedChunk): void {
  const socket = res.socket;
  if (socket !== null && res.chunkedEncoding && res.writableLength === 0 && socket.writable) writeNow(socket, chunk);
  else res.write(chunk.data);
}

/**
 * One write(2) on the socket's descriptor when it has one and nothing is queued in libuv (writableLength 0):
 * no stream bookkeeping around the syscall. Whatever the kernel does not take (a full socket buffer, a
 * partial write) or any error goes through socket.write, which queues it in order or reports the error.
 */
function writeNow(socket: Socket, chunk: FramedChunk): void {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return void socket.write(chunk.framed);
  let written: number;
  try {
    written = writeSync(fd, chunk.framed);
  } catch {
    return void socket.write(chunk.framed);
  }
  if (written < chunk.framedBytes) socket.write(Buffer.from(chunk.framed).subarray(written));
}
