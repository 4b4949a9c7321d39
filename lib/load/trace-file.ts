// Locating a trace file: a path relative to the workflow, or a URL downloaded once into the cache and checked
// against its sha256 (a changed file upstream would silently change every capacity measured with it).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

export interface TraceFileRef {
  path: string;
  url: string | null;
  sha256: string | null;
}

export interface TraceFileContext {
  baseDir: string;
  cacheDir: string;
  /** Download function; defaults to global fetch. Passed in so tests can serve files from a local server. */
  fetchBytes?: (url: string) => Promise<Uint8Array>;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function fetchBytesDefault(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Downloading trace ${url}: expected HTTP 200, got ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

function checkHash(bytes: Uint8Array, expected: string | null, what: string): void {
  if (expected === null) return;
  const found = sha256Hex(bytes);
  if (found !== expected.toLowerCase()) {
    throw new Error(`${what}: expected sha256 ${expected.toLowerCase()}, found ${found} (the file differs from the one the workflow names)`);
  }
}

/** The bytes of a trace file, downloading it into `cacheDir/traces/` on first use when it has a URL. */
export async function readTraceFile(ref: TraceFileRef, ctx: TraceFileContext): Promise<Uint8Array> {
  if (ref.url === null) {
    const path = resolve(ctx.baseDir, ref.path);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new Error(`Trace file ${path}: could not read it (${(err as Error).message})`);
    }
    checkHash(bytes, ref.sha256, `Trace file ${path}`);
    return bytes;
  }
  if (ref.sha256 === null) throw new Error(`Trace URL ${ref.url}: expected a sha256 beside it, found none`);
  const dir = join(ctx.cacheDir, 'traces');
  const name = `${ref.sha256.toLowerCase().slice(0, 16)}-${basename(new URL(ref.url).pathname) || 'trace.csv'}`;
  const cached = join(dir, name);
  if (existsSync(cached)) {
    const bytes = await readFile(cached);
    if (sha256Hex(bytes) === ref.sha256.toLowerCase()) return bytes;
  }
  const bytes = await (ctx.fetchBytes ?? fetchBytesDefault)(ref.url);
  checkHash(bytes, ref.sha256, `Trace ${ref.url}`);
  await mkdir(dir, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, cached);
  return bytes;
}
