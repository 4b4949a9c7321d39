// The emission log: when the simulated server wrote each output token, beside when the simulation said it was
// due. Written for fidelity benchmarks of the load generator (its recorded token times against the truth).
//
// Format (CSV after '#' header lines):
//   request_id,token_index,sim_ns,write_ns
// request_id is the client's `x-request-id` header when it sent one, else the response's `id`; token_index
// counts from 0; sim_ns is the simulated emission time and write_ns the time the write call that handed the
// chunk to the socket returned (on the direct path the write syscall is done by then, so a reader on another
// core may see the bytes slightly earlier), both absolute CLOCK_MONOTONIC nanoseconds
// (process.hrtime.bigint()), which every process on the host shares, so a client's hrtime readings compare
// directly.
//
// Rows are kept in typed arrays and formatted only when the server is idle (flushUntil, called between
// iterations), so a burst of token writes never waits for string formatting or file I/O; close() writes the rest.
import { createWriteStream, type WriteStream } from 'node:fs';

/** A response's rows' handle (from openStream): its request id, UTF-8. */
export type EmissionStream = Buffer;

export const EMISSION_LOG_HEADER = [
  '# headroom-sim emission log: one line per output token written',
  '# times are absolute CLOCK_MONOTONIC nanoseconds (process.hrtime.bigint()); write_ns - sim_ns is the emission error',
  'request_id,token_index,sim_ns,write_ns',
].join('\n') + '\n';

const INITIAL_ROWS = 16384;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
// Three commas, a newline, a token index and two times of at most 20 digits each.
const ROW_MAX_DIGITS = 4 + 10 + 2 * 20;
// Rows formatted between two clock reads while flushing against a deadline.
const SLICE_ROWS = 256;
// A server that never idles still writes its log once this many rows wait.
const MAX_PENDING_ROWS = 1 << 20;

export class EmissionLog {
  private readonly out: WriteStream;
  /** Each row's request id (UTF-8, shared by a stream's rows): released with the rows once written. */
  private readonly ids: (EmissionStream | undefined)[] = new Array(INITIAL_ROWS);
  private index = new Int32Array(INITIAL_ROWS);
  private simNs = new Float64Array(INITIAL_ROWS);
  private writeNs = new Float64Array(INITIAL_ROWS);
  /** Rows [done, count) are pending. */
  private count = 0;
  private done = 0;
  /** The origin as a JS number when sums with it stay exact (origin below 2^52 ns, ~52 days of uptime). */
  private readonly originNum: number | null;

  constructor(
    file: string,
    private readonly originNs: bigint,
    private readonly nowNs: () => number = () => Number(process.hrtime.bigint() - originNs),
  ) {
    this.out = createWriteStream(file);
    this.out.write(EMISSION_LOG_HEADER);
    this.originNum = originNs < 2n ** 52n ? Number(originNs) : null;
  }

  /** A response's handle for its rows: its request id, encoded once. */
  openStream(requestId: string): EmissionStream {
    return Buffer.from(requestId);
  }

  /** One token written: times relative to the clock's origin (integer ns). */
  record(stream: EmissionStream, tokenIndex: number, simNs: number, writeNs: number): void {
    if (this.count === this.index.length) this.grow();
    const i = this.count++;
    this.ids[i] = stream;
    this.index[i] = tokenIndex;
    this.simNs[i] = simNs;
    this.writeNs[i] = writeNs;
  }

  /** Rows recorded and not yet handed to the file. */
  get pendingRows(): number {
    return this.count - this.done;
  }

  /** Formats and writes pending rows until the clock reaches deadlineNs; true when rows are left. */
  flushUntil(deadlineNs: number): boolean {
    while (this.done < this.count) {
      if (this.nowNs() >= deadlineNs) return true;
      this.writeRows(Math.min(this.count, this.done + SLICE_ROWS));
    }
    this.count = this.done = 0;
    return false;
  }

  /** Writes every pending row now. */
  flush(): void {
    this.writeRows(this.count);
    this.count = this.done = 0;
  }

  async close(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  /** Rows [done, end) as CSV digits straight into one buffer: no strings, so formatting leaves no garbage. */
  private writeRows(end: number): void {
    if (end <= this.done) return;
    let size = 0;
    for (let i = this.done; i < end; i++) size += this.ids[i]!.length + ROW_MAX_DIGITS;
    const buf = Buffer.allocUnsafe(size);
    let p = 0;
    for (let i = this.done; i < end; i++) {
      p += this.ids[i]!.copy(buf, p);
      this.ids[i] = undefined;
      buf[p++] = COMMA;
      p = writeDigits(buf, p, this.index[i]);
      buf[p++] = COMMA;
      p = this.writeAbsolute(buf, p, this.simNs[i]);
      buf[p++] = COMMA;
      p = this.writeAbsolute(buf, p, this.writeNs[i]);
      buf[p++] = NEWLINE;
    }
    this.done = end;
    this.out.write(buf.subarray(0, p));
  }

  private writeAbsolute(buf: Buffer, p: number, ns: number): number {
    if (this.originNum !== null) return writeDigits(buf, p, this.originNum + ns);
    return p + buf.write(String(this.originNs + BigInt(ns)), p, 'latin1');
  }

  private grow(): void {
    // Rows already written make room first; otherwise the arrays double, unless a server that never idles has
    // piled up so many that writing them now is the lesser evil.
    if (this.done > 0) {
      this.compact();
      if (this.count < this.index.length) return;
    }
    if (this.count >= MAX_PENDING_ROWS) {
      this.flush();
      return;
    }
    const n = this.index.length * 2;
    const widen = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.ids.length = n;
    this.index = widen(this.index, (k) => new Int32Array(k));
    this.simNs = widen(this.simNs, (k) => new Float64Array(k));
    this.writeNs = widen(this.writeNs, (k) => new Float64Array(k));
  }

  private compact(): void {
    const { done, count } = this;
    this.ids.copyWithin(0, done, count);
    this.ids.fill(undefined, count - done, count);
    this.index.copyWithin(0, done, count);
    this.simNs.copyWithin(0, done, count);
    this.writeNs.copyWithin(0, done, count);
    this.count = count - done;
    this.done = 0;
  }
}

/** Decimal digits of a non-negative integer below 2^53 at buf[p...]; returns the position after them. */
function writeDigits(buf: Buffer, p: number, n: number): number {
  let len = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) len++;
  // Below 2^53, floor(n / 10) in doubles is exact: n / 10 is never within half an ulp of the next integer.
  for (let i = p + len - 1; i >= p; i--) {
    const q = Math.floor(n / 10);
    buf[i] = 48 + (n - q * 10);
    n = q;
  }
  return p + len;
}
