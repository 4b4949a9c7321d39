// The emission log: when the simulated server wrote each output token, beside when the simulation said it was
// due. Written for fidelity benchmarks of the load generator (its recorded token times against the truth).
//
// Format (CSV after '#' header lines):
//   request_id,token_index,sim_ns,write_ns
// request_id is the client's `x-request-id` header when it sent one, else the response's `id`; token_index
// counts from 0; sim_ns is the simulated emission time and write_ns the time the chunk was handed to the
// socket (after res.write returned), both absolute CLOCK_MONOTONIC nanoseconds (process.hrtime.bigint()),
// which every process on the host shares, so a client's hrtime readings compare directly.
import { createWriteStream, type WriteStream } from 'node:fs';

export const EMISSION_LOG_HEADER = [
  '# headroom-sim emission log: one line per output token written',
  '# times are absolute CLOCK_MONOTONIC nanoseconds (process.hrtime.bigint()); write_ns - sim_ns is the emission error',
  'request_id,token_index,sim_ns,write_ns',
].join('\n') + '\n';

export class EmissionLog {
  private readonly out: WriteStream;
  // Raw rows, formatted only at flush so the token path does no string or BigInt work.
  private ids: string[] = [];
  private nums: number[] = [];

  constructor(
    file: string,
    private readonly originNs: bigint,
  ) {
    this.out = createWriteStream(file);
    this.out.write(EMISSION_LOG_HEADER);
  }

  record(requestId: string, tokenIndex: number, simNs: number, writeNs: number): void {
    this.ids.push(requestId);
    this.nums.push(tokenIndex, simNs, writeNs);
    if (this.ids.length >= 16384) this.flush();
  }

  flush(): void {
    if (this.ids.length === 0) return;
    const o = this.originNs;
    const lines: string[] = new Array(this.ids.length);
    for (let i = 0; i < this.ids.length; i++) {
      const n = this.nums;
      lines[i] = `${this.ids[i]},${n[3 * i]},${o + BigInt(n[3 * i + 1])},${o + BigInt(n[3 * i + 2])}\n`;
    }
    this.out.write(lines.join(''));
    this.ids = [];
    this.nums = [];
  }

  async close(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
