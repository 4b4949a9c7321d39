// Etalon's cap on prompt + output tokens: the excess is taken from both sides in proportion to their share
// (each share rounded up), then each side is kept at >= 1. Same rule, same integers as Etalon's trace loader.

export function clipLengths(prompt: number, output: number, maxTotalTokens: number): [number, number] {
  const total = prompt + output;
  const excess = Math.max(0, total - maxTotalTokens);
  let p = prompt, o = output;
  if (excess > 0) {
    // Same float order as Etalon (ratio first, then times the excess), so rounding ties land the same way.
    p -= Math.ceil(excess * (prompt / total));
    o -= Math.ceil(excess * (output / total));
  }
  return [Math.max(1, p), Math.max(1, o)];
}
