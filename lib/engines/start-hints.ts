// Start failures an engine reports in its own log that have a known cause outside headroom, recognised in the
// log's last lines so the start error can say what to do. Each entry names where the cause was read.
import type { EngineName } from '../types.ts';

interface StartHint {
  engine: EngineName;
  pattern: RegExp;
  hint: string;
}

const HINTS: StartHint[] = [
  {
    // huggingface/text-generation-inference router/src/server.rs: `builder.build().expect("failed to build
    // prometheus recorder")` binds metrics-exporter-prometheus's default listener, 0.0.0.0:9000 (issue #3062).
    engine: 'tgi',
    pattern: /failed to build prometheus recorder/i,
    hint: "TGI's router binds port 9000 for its Prometheus exporter while it starts and exits when that port is taken; free port 9000 on this machine (see `ss -ltnp 'sport = :9000'`) and start again",
  },
];

export function readStartHint(engine: EngineName, logTail: string[]): string | null {
  for (const h of HINTS) {
    if (h.engine === engine && logTail.some((line) => h.pattern.test(line))) return h.hint;
  }
  return null;
}
