// The least any Node client can do per streamed token, as a yardstick for bench/load-fidelity.ts: raw sockets,
// one fixed request each, reads into one buffer with `onread`, a clock read and a byte count per read, nothing
// else (no HTTP parsing, no JSON). It opens the same streams on the same schedule as the real client and prints
// one line per request: `idx t1 t2 ...` (absolute hrtime ns of the read that carried each token).
//   node bench/floor-reader.mjs <port> <streams> <tokens> <spreadMs>
import net from 'node:net';

const [port, streams, tokens, spreadMs] = process.argv.slice(2).map(Number);
const buffer = Buffer.allocUnsafe(64 * 1024);
const TOKEN = Buffer.from('" tok"');
const out = new Array(streams);
let open = streams;

function start(idx) {
  const body = JSON.stringify({ model: 'm', prompt: `r${idx} a b c d e f g`, max_tokens: tokens, stream: true, stream_options: { include_usage: true, continuous_usage_stats: true } });
  const times = [];
  out[idx] = times;
  const s = net.connect({
    port, host: '127.0.0.1',
    onread: {
      buffer,
      callback(n, buf) {
        const t = process.hrtime.bigint();
        const data = buf.subarray(0, n);
        // Count token texts in this read (the fixture writes ` tok` once per token).
        for (let k = data.indexOf(TOKEN); k >= 0; k = data.indexOf(TOKEN, k + 1)) times.push(t);
        if (data.includes('[DONE]')) s.destroy();
      },
    },
  });
  s.setNoDelay(true);
  s.on('close', () => {
    if (--open === 0) {
      const elu = performance.eventLoopUtilization();
      process.stderr.write(`floor reader: event loop busy ${elu.active.toFixed(0)} ms of ${(elu.active + elu.idle).toFixed(0)} ms; CPU ${JSON.stringify(process.cpuUsage())}\n`);
      // Writes to a pipe are asynchronous: exit once the data is out.
      process.stdout.write(out.map((ts, i) => `${i} ${ts.join(' ')}`).join('\n') + '\n', () => process.exit(0));
    }
  });
  s.on('error', () => {});
  s.write(`POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

const t0 = performance.now();
for (let i = 0; i < streams; i++) setTimeout(() => start(i), Math.max(0, t0 + (i * spreadMs) / streams - performance.now()));
