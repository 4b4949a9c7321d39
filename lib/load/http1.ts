// An incremental HTTP/1.1 response parser for the load client: status line, headers, then the body framed by
// chunked transfer coding, Content-Length, or the end of the connection (RFC 9112 section 6). Bytes are fed as
// they come off the socket, split anywhere; body bytes are handed on as views into the caller's buffer, valid
// only during the call, so nothing is copied that the SSE decoder does not copy anyway.

export class HttpProtocolError extends Error {}

export interface ResponseHead {
  status: number;
  /** HTTP/1.0 or 1.1, as the status line said. */
  version: string;
  /** Lower-cased names; repeated fields joined with ', '. */
  headers: Map<string, string>;
}

export interface ResponseHandlers {
  /** The final (non-1xx) response head. */
  onHead(head: ResponseHead): void;
  /** Body bytes in [start, end) of buf; copy what must outlive the call. */
  onBody(buf: Uint8Array, start: number, end: number): void;
  /** The message is complete; keepAlive tells whether the connection may carry another request. */
  onComplete(keepAlive: boolean): void;
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 4096;

const enum State {
  Head,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  Length,
  UntilClose,
  Done,
}

export class Http1ResponseParser {
  private state = State.Head;
  private head = '';
  private line = '';
  private left = 0;
  private sizeDigits = 0;
  private sizeEnded = false;
  private keepAlive = true;

  constructor(private readonly h: ResponseHandlers) {}

  get complete(): boolean {
    return this.state === State.Done;
  }

  /** True once a response byte has been seen. */
  get started(): boolean {
    return this.state !== State.Head || this.head.length > 0;
  }

  /** Feed buf[start, end). Throws HttpProtocolError on a response that is not HTTP/1.x. */
  push(buf: Uint8Array, start = 0, end = buf.length): void {
    let i = start;
    while (i < end) {
      switch (this.state) {
        case State.Head: {
          i = this.takeHead(buf, i, end);
          break;
        }
        case State.ChunkSize: {
          // Hex digits, then optional whitespace and `;extensions`, then (CR)LF; read straight off the bytes.
          for (; i < end; i++) {
            const c = buf[i]!;
            if (c === 10) break;
            if (this.sizeEnded) continue; // extensions, or the CR
            const d = hexDigit(c);
            if (d >= 0) {
              if (++this.sizeDigits > 12) throw new HttpProtocolError('a chunk size of more than 12 hex digits');
              this.left = this.left * 16 + d;
            } else if ((c === 59 || c === 13 || c === 32 || c === 9) && this.sizeDigits > 0) this.sizeEnded = true;
            else throw new HttpProtocolError(`a malformed chunk size: unexpected ${JSON.stringify(String.fromCharCode(c))}${this.sizeDigits === 0 ? ' where a hex digit was expected' : ''}`);
          }
          if (i === end) return; // the line goes on in the next read
          i++;
          if (this.sizeDigits === 0) throw new HttpProtocolError('an empty chunk-size line');
          this.sizeDigits = 0;
          this.sizeEnded = false;
          this.state = this.left === 0 ? State.Trailer : State.ChunkData;
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.left, end - i);
          this.h.onBody(buf, i, i + n);
          i += n;
          this.left -= n;
          if (this.left === 0) this.state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd: {
          // CRLF after the chunk's data; a bare LF is accepted.
          const c = buf[i]!;
          if (c === 13 && this.line === '') this.line = '\r';
          else if (c === 10) {
            this.line = '';
            this.state = State.ChunkSize;
          } else throw new HttpProtocolError('a chunk not followed by CRLF');
          i++;
          break;
        }
        case State.Trailer: {
          const lf = indexOfLf(buf, i, end);
          this.line += latin1(buf, i, lf < 0 ? end : lf);
          if (this.line.length > MAX_LINE_BYTES) throw new HttpProtocolError('a trailer line longer than 4 KiB');
          if (lf < 0) return;
          i = lf + 1;
          const blank = this.line === '' || this.line === '\r';
          this.line = '';
          if (blank) this.finish();
          break;
        }
        case State.Length: {
          const n = Math.min(this.left, end - i);
          this.h.onBody(buf, i, i + n);
          i += n;
          this.left -= n;
          if (this.left === 0) this.finish();
          break;
        }
        case State.UntilClose: {
          this.h.onBody(buf, i, end);
          return;
        }
        case State.Done:
          // Bytes after a complete response that nobody asked for: the connection cannot be trusted.
          throw new HttpProtocolError(`${end - i} unexpected bytes after the end of the response`);
      }
    }
  }

  /** The connection ended (EOF). Completes a read-until-close body; anything else was cut short. */
  end(): void {
    if (this.state === State.UntilClose) return this.finish();
    if (this.state === State.Done) return;
    throw new HttpProtocolError(this.state === State.Head ? 'the connection closed before a complete response head' : 'the connection closed before the end of the response body');
  }

  private finish(): void {
    this.state = State.Done;
    this.h.onComplete(this.keepAlive);
  }

  private takeHead(buf: Uint8Array, i: number, end: number): number {
    const prev = this.head.length;
    this.head += latin1(buf, i, end);
    // The blank line may straddle reads: search from a little before the new bytes.
    let stop = -1;
    let sepLen = 0;
    const from = Math.max(0, prev - 3);
    const crlf = this.head.indexOf('\r\n\r\n', from);
    const lf = this.head.indexOf('\n\n', from);
    if (crlf >= 0 && (lf < 0 || crlf < lf)) [stop, sepLen] = [crlf, 4];
    else if (lf >= 0) [stop, sepLen] = [lf, 2];
    if (stop < 0) {
      if (this.head.length > MAX_HEAD_BYTES) throw new HttpProtocolError('a response head larger than 64 KiB');
      return end;
    }
    const used = stop + sepLen - prev; // bytes of this read that belong to the head
    const text = this.head.slice(0, stop);
    this.head = '';
    const head = parseHead(text);
    if (head.status >= 100 && head.status < 200) return i + used; // 100 Continue, 103 Early Hints: the real one follows
    this.h.onHead(head);
    const connection = (head.headers.get('connection') ?? '').toLowerCase();
    this.keepAlive = head.version === '1.1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    const te = (head.headers.get('transfer-encoding') ?? '').toLowerCase();
    const cl = head.headers.get('content-length');
    if (head.status === 204 || head.status === 304) this.finish();
    else if (te !== '') {
      if (!/(^|,)\s*chunked\s*$/.test(te)) {
        this.keepAlive = false;
        this.state = State.UntilClose;
      } else this.state = State.ChunkSize;
    } else if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl.trim())) throw new HttpProtocolError(`a malformed Content-Length ${JSON.stringify(cl.slice(0, 40))}`);
      this.left = Number(cl.trim());
      this.state = State.Length;
      if (this.left === 0) this.finish();
    } else {
      this.keepAlive = false;
      this.state = State.UntilClose;
    }
    return i + used;
  }
}

function parseHead(text: string): ResponseHead {
  const lines = text.split(/\r?\n/);
  const m = /^HTTP\/(1\.[01]) (\d{3})(?: .*)?$/.exec(lines[0]!.replace(/\r$/, ''));
  if (!m) throw new HttpProtocolError(`expected an HTTP/1.x status line, got ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  const headers = new Map<string, string>();
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpProtocolError(`a malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = headers.get(name);
    headers.set(name, had === undefined ? value : `${had}, ${value}`);
  }
  return { status: Number(m[2]), version: m[1]!, headers };
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function indexOfLf(buf: Uint8Array, from: number, end: number): number {
  const k = buf.indexOf(10, from);
  return k >= 0 && k < end ? k : -1;
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  return start >= end ? '' : Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}
