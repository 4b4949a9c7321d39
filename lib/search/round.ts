// Python's round(x, digits) for floats, which Etalon uses on every probe QPS: the exact binary value of the
// double is rounded to `digits` decimals, and only a value exactly halfway (e.g. 6.875) goes to the even
// neighbour. JS's toFixed would send that tie up and Math.round(x * 100) / 100 rounds the already-rounded
// product, so both disagree with Python on some probes (6.315 is 6.31499... as a double: Python says 6.31).

const SCRATCH = new DataView(new ArrayBuffer(8));

/** The double as an exact fraction mantissa * 2^exponent (mantissa an integer). */
function decomposeDouble(x: number): { mantissa: bigint; exponent: number } {
  SCRATCH.setFloat64(0, x);
  const bits = SCRATCH.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const sign = bits >> 63n ? -1n : 1n;
  if (biased === 0) return { mantissa: sign * fraction, exponent: -1074 };
  return { mantissa: sign * (fraction | (1n << 52n)), exponent: biased - 1075 };
}

/** round(x, digits) exactly as CPython computes it for a float (digits >= 0). */
export function roundHalfEven(x: number, digits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (!Number.isInteger(digits) || digits < 0) {
    throw new Error(`roundHalfEven: expected digits to be a non-negative integer, got ${digits}`);
  }
  const { mantissa, exponent } = decomposeDouble(x);
  const scale = 10n ** BigInt(digits);
  // x * 10^digits = num / den exactly
  let num = mantissa * scale;
  let den = 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  const negative = num < 0n;
  if (negative) num = -num;
  let q = num / den;
  const twiceRest = 2n * (num % den);
  if (twiceRest > den || (twiceRest === den && q % 2n === 1n)) q += 1n;
  // Python then returns the double nearest to the decimal q / 10^digits; dividing two exactly held
  // integers is correctly rounded in IEEE arithmetic, so the division gives that same double.
  const result = Number(q) / Number(scale);
  return negative ? -result : result;
}
