import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attentionPairs, buildCostModel, type StepShape } from '../../lib/sim/cost.ts';
import { readCpuProfile, readHardwareProfile, readModelProfile } from '../../lib/sim/profiles.ts';

const one = { tp: 1, pp: 1 };
const model8b = (hw = 'h100', cpu = 'vllm-0.5', parallel = one) =>
  buildCostModel(readModelProfile('llama-3-8b'), readHardwareProfile(hw), readCpuProfile(cpu), parallel);

const prefill = (n: number): StepShape => ({ prefillTokens: n, decodes: 0, samplers: 1, seqs: 1, pairsFull: attentionPairs(0, n), pairsChunked: 0, decodeContextTokens: 0 });
const decode = (batch: number, ctx: number): StepShape => ({ prefillTokens: 0, decodes: batch, samplers: batch, seqs: batch, pairsFull: 0, pairsChunked: 0, decodeContextTokens: batch * ctx });
const ms = (ns: number) => ns / 1e6;

test('the roofline of Llama-3-8B on one H100 reproduces the design coefficients', () => {
  const c = model8b().coefficients;
  const near = (got: number, want: number, rel: number, name: string) => assert.ok(Math.abs(got / want - 1) < rel, `${name}: ${got} vs ${want}`);
  near(c.weightReadMs, 5.34, 0.002, 'weight reads ms');
  near(c.gemmMsPerToken, 0.02188, 0.002, 'gemm ms per token');
  near(c.lmHeadReadMs, 0.402, 0.002, 'lm head ms');
  near(c.lmHeadMsPerSeq, 0.00165, 0.005, 'lm head ms per sequence');
  near(c.pairFullNs, 1.61, 0.005, 'attention ns per pair');
  near(c.pairChunkedNs, 2.65, 0.005, 'chunked attention ns per pair');
  near(c.kvReadNsPerToken, 65.2, 0.002, 'KV read ns per token');
});

test('step times land on the expected numbers of the design (Llama-3-8B, H100, vllm-0.5)', () => {
  const m = model8b();
  const d1 = ms(m.stepNs(decode(1, 1500)));
  assert.ok(d1 > 8.8 && d1 < 9.0, `decode batch 1: ${d1} ms`);
  for (const ctx of [1000, 2500]) {
    const d32 = ms(m.stepNs(decode(32, ctx)));
    assert.ok(d32 >= 14.5 && d32 <= 18, `decode batch 32 at ${ctx}: ${d32} ms`);
    const d128 = ms(m.stepNs(decode(128, ctx)));
    assert.ok(d128 >= 33 && d128 <= 46, `decode batch 128 at ${ctx}: ${d128} ms`);
  }
  for (const [n, want] of [[1024, 30], [4096, 119], [8192, 261]]) {
    const got = ms(m.stepNs(prefill(n)));
    assert.ok(Math.abs(got / want - 1) < 0.02, `prefill ${n}: ${got} ms, expected ${want}`);
  }
});

test('an eager iteration pays the launch penalty that CUDA-graph decodes avoid', () => {
  const m = model8b('h100', 'none');
  const mixed: StepShape = { ...decode(8, 1000), prefillTokens: 8, seqs: 9, pairsChunked: attentionPairs(100, 8) };
  const pure = decode(8, 1000);
  assert.ok(ms(m.stepNs(mixed) - m.stepNs(pure)) > 1.4, 'a small mixed batch pays ~1.5 ms of launches');
  assert.ok(ms(m.stepNs(prefill(1024)) - m.stepNs(prefill(1023))) < 0.1, 'a 1k prefill amortizes the launches away');
});

test('CPU profiles scale the host costs: vllm-0.5 > vllm-0.6+ > none', () => {
  const s = decode(64, 1000);
  const [a, b, c] = ['vllm-0.5', 'vllm-0.6+', 'none'].map((p) => model8b('h100', p).stepNs(s));
  assert.ok(a > b && b > c, `${a} ${b} ${c}`);
  assert.is(model8b('h100', 'none').requestOverheadNs(1000), 0);
  assert.is(model8b().requestOverheadNs(1000), 4_500_000);
});

test('other GPUs follow the roofline: H200 decodes faster, A100 prefills ~3x slower', () => {
  const h100 = model8b('h100', 'none');
  assert.ok(model8b('h200', 'none').stepNs(decode(1, 1000)) < 0.8 * h100.stepNs(decode(1, 1000)));
  const ratio = model8b('a100', 'none').stepNs(prefill(8192)) / h100.stepNs(prefill(8192));
  assert.ok(ratio > 2.8 && ratio < 3.3, `A100/H100 prefill ratio ${ratio}`);
});

test('tensor parallelism splits the weights and adds all-reduces', () => {
  const m70 = readModelProfile('llama-3-70b');
  const [hw, cpu] = [readHardwareProfile('h100'), readCpuProfile('none')];
  const tp8 = buildCostModel(m70, hw, cpu, { tp: 8, pp: 1 });
  const tp4 = buildCostModel(m70, hw, cpu, { tp: 4, pp: 1 });
  assert.ok(Math.abs(tp4.coefficients.weightReadMs / tp8.coefficients.weightReadMs - 2) < 1e-9);
  // 70B on 8 GPUs reads ~8.8 GB per GPU per step plus 160 all-reduces of >= 12 us.
  const d = ms(tp8.stepNs(decode(1, 1000)));
  assert.ok(d > 6 && d < 12, `70B TP8 decode ${d} ms`);
  assert.ok(tp8.kvBlocks(16, 0.9, 32768) > 0, '70B fits on 8 H100s');
  assert.is(buildCostModel(m70, hw, cpu, { tp: 1, pp: 1 }).kvBlocks(16, 0.9, 32768), 0, '70B does not fit on one H100');
});

test('a mixture of experts reads more experts as the batch grows', () => {
  const mx = buildCostModel(readModelProfile('mixtral-8x7b'), readHardwareProfile('h100'), readCpuProfile('none'), { tp: 4, pp: 1 });
  const per = (b: number) => mx.stepNs(decode(b, 0)) / b;
  const one = mx.stepNs(decode(1, 0));
  const sixtyFour = mx.stepNs(decode(64, 0));
  assert.ok(sixtyFour > 2.5 * one, `64 tokens touch all 8 experts: ${one} -> ${sixtyFour}`);
  assert.ok(per(64) < per(1));
});

test('Llama-3-8B on one 80 GB H100 holds about 26-28k KV blocks of 16 tokens', () => {
  const m = model8b();
  assert.is(m.kvBytesPerToken, 128 * 1024);
  for (const budget of [512, 32768]) {
    const blocks = m.kvBlocks(16, 0.9, budget);
    assert.ok(blocks >= 26000 && blocks <= 29000, `${budget}: ${blocks} blocks`);
  }
});

test.run();
