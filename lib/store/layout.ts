// Where a cache keeps what, and the checks that keep headroom from writing over files it does not own.
//   <cache>/runs/<runId>/{run,requests,server_samples}.parquet   one finished run, made visible by one rename(2)
//   <cache>/capacities/<id>/capacities.parquet                   one writeCapacities call, same way
//   <cache>/schema/v1/*.parquet                                  empty files giving the views their types
//   <cache>/tmp/<host>-<pid>-<random>                            a writer's work in progress; never read
//   <cache>/headroom.duckdb                                      catalog of views for the DuckDB CLI
import { existsSync, mkdirSync, readdirSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreError } from './errors.ts';

export const RUN_FILES = ['run.parquet', 'requests.parquet', 'server_samples.parquet'] as const;
export const CAPACITY_FILES = ['capacities.parquet'] as const;
const ENTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Temp folders of writers on other hosts (shared cache) are only swept once this old. */
const FOREIGN_TEMP_MAX_AGE_MS = 24 * 3600 * 1000;

export interface Layout {
  dir: string;
  runs: string;
  capacities: string;
  schema: string;
  tmp: string;
  catalog: string;
}

export function makeLayout(cacheDir: string): Layout {
  const dir = resolve(cacheDir);
  return {
    dir,
    runs: join(dir, 'runs'),
    capacities: join(dir, 'capacities'),
    schema: join(dir, 'schema', 'v1'),
    tmp: join(dir, 'tmp'),
    catalog: join(dir, 'headroom.duckdb'),
  };
}

/** Create the folders, refusing a cache path that is a file or a folder holding things that are not ours. */
export function prepareLayout(layout: Layout): void {
  if (existsSync(layout.dir) && !statSync(layout.dir).isDirectory()) {
    throw new StoreError(`cache ${layout.dir} is not a folder; expected a headroom cache folder (give --cache another path)`);
  }
  for (const d of [layout.runs, layout.capacities, layout.tmp, join(layout.dir, 'schema')]) mkdirSync(d, { recursive: true });
  validateEntries(layout.runs, RUN_FILES, 'run');
  validateEntries(layout.capacities, CAPACITY_FILES, 'capacities');
  validateCatalogFile(layout.catalog);
}

/** Every entry of a runs/ or capacities/ folder must be a folder holding the expected files. */
function validateEntries(folder: string, files: readonly string[], what: string): void {
  for (const e of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, e.name);
    const ok = e.isDirectory() && ENTRY_NAME.test(e.name) && files.every((f) => existsSync(join(path, f)));
    if (!ok) {
      throw new StoreError(
        `cache entry ${path} is not a headroom ${what}: expected a folder named [A-Za-z0-9._-] holding ` +
          `${files.join(', ')}; found ${e.isDirectory() ? 'a folder with ' + listBrief(path) : 'a file'}. ` +
          `headroom does not touch it; move it out of ${folder}.`,
      );
    }
  }
}

function listBrief(path: string): string {
  const names = readdirSync(path);
  return names.length === 0 ? 'nothing in it' : names.slice(0, 5).join(', ') + (names.length > 5 ? ', ...' : '');
}

/** DuckDB database files carry "DUCK" at byte 8 of their first header. */
export function isDuckDbFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(12);
    const n = readSync(fd, buf, 0, 12, 0);
    return n === 12 && buf.toString('latin1', 8, 12) === 'DUCK';
  } finally {
    closeSync(fd);
  }
}

export function validateCatalogFile(path: string): void {
  if (!existsSync(path)) return;
  if (!statSync(path).isFile() || !isDuckDbFile(path)) {
    throw new StoreError(
      `catalog ${path} is not a DuckDB database (expected the "DUCK" header that headroom writes); ` +
        `headroom will not overwrite it: move it away or delete it if it is not yours.`,
    );
  }
}

/** A fresh temp path for this process; the pid lets a later open tell a dead writer's leftovers. */
export function newTempPath(layout: Layout): string {
  return join(layout.tmp, `${safeName(hostname())}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

export function newTempDir(layout: Layout): string {
  const path = newTempPath(layout);
  mkdirSync(path);
  return path;
}

/** Remove temp folders of writers that are gone: same host and dead pid, or another host's after a day. */
export function sweepTemp(layout: Layout, nowMs: number = Date.now()): string[] {
  const swept: string[] = [];
  const host = safeName(hostname());
  for (const name of readdirSync(layout.tmp)) {
    const m = /^(.*)-(\d+)-[0-9a-f]+$/.exec(name);
    const path = join(layout.tmp, name);
    let dead: boolean;
    if (m && m[1] === host) dead = !isAlive(Number(m[2]));
    else dead = nowMs - statSync(path).mtimeMs > FOREIGN_TEMP_MAX_AGE_MS;
    if (dead) {
      rmSync(path, { recursive: true, force: true });
      swept.push(path);
    }
  }
  return swept;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, '').slice(0, 32) || 'x';
}

/** Run ids: fingerprint prefix, QPS and randomness, so any number of writers never collide. */
export function newRunId(fingerprint: string, qps: number): string {
  const q = String(Math.round(qps * 1e6) / 1e6).replace(/[^0-9.]/g, '_');
  return `${safeName(fingerprint).slice(0, 16)}-q${q}-${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

export function hasEntries(folder: string): boolean {
  return readdirSync(folder).length > 0;
}
