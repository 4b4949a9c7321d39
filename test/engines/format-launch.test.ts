import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { formatLaunch, formatShellWord } from '../../lib/engines/format-launch.ts';
import { buildLaunch } from '../../lib/engines/preset.ts';
import { makeJob } from '../fixtures/engines/make-job.ts';

test('a vLLM launch reads as the line a user would type', () => {
  const launch = buildLaunch(makeJob({ tp: 2 }), { host: '127.0.0.1', port: 8000, gpus: [0, 1], repoRoot: '/r' });
  assert.is(formatLaunch(launch),
    'CUDA_VISIBLE_DEVICES=0,1 vllm serve meta-llama/Llama-3.1-8B-Instruct --host 127.0.0.1 --port 8000 --tensor-parallel-size 2 --pipeline-parallel-size 1 --max-model-len 8192');
});

test('words with spaces, quotes or JSON survive a round trip through the shell', () => {
  const words = ['{"a":1,"b":"x y"}', "it's", '', '$HOME', 'plain-word'];
  const line = words.map(formatShellWord).join(' ');
  const echoed = execFileSync('/bin/sh', ['-c', `for w in ${line}; do printf '%s\\n' "$w"; done`], { encoding: 'utf8' });
  assert.equal(echoed.split('\n').slice(0, -1), words);
});

test('an external server says that nothing is started', () => {
  const launch = buildLaunch(makeJob({ system: { engine: 'external', url: 'http://gpu-box:8000' } }), { host: '127.0.0.1', port: 0, gpus: [], repoRoot: '/r' });
  assert.is(formatLaunch(launch), '(external server at http://gpu-box:8000; nothing is started)');
});

test.run();
