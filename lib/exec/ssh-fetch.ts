// Brings a job's new runs from a host's cache into the local one: tar over the ssh connection (tar is on every
// host; rsync is not), unpacked beside the local cache and then renamed into place, a run folder as a whole,
// so a run is never visible half copied. "New" means written after the mark file the job's command touched
// when it began (other jobs' runs on that host may come along; a run is immutable, so that is harmless).
import { spawn } from 'node:child_process';
import { access, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { quoteShell } from './slurm-script.ts';
import { quoteRemotePath } from './ssh-remote.ts';

/** The remote side of a fetch: every file newer than the mark, as a tar stream on stdout; then the mark goes. */
export function formatFetchScript(remoteCacheDir: string, markName: string): string {
  // tmp/ holds writers' work in progress and hidden names are temp files and marks; the DuckDB catalog is one
  // process's file (locked while open) and the local one is rebuilt from the runs; reports/ is the host's view of
  // its one job, which the local report replaces.
  const find =
    `find . -type f -newer ${quoteShell(markName)} ! -path './tmp/*' ! -path './reports/*' ! -path '*/.*' ` +
    `! -name '*.duckdb' ! -name '*.duckdb.*' ! -name '*.tmp' -print0`;
  return `cd ${quoteRemotePath(remoteCacheDir)} && ${find} | tar --null -T - -cf - && rm -f ${quoteShell(markName)}`;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export interface FetchOptions {
  /** ssh and its options, e.g. ['ssh', '-p', '2222']; the host and remote command follow. */
  ssh: string[];
  host: string;
  remoteCacheDir: string;
  markName: string;
  localCacheDir: string;
}

/** Copies the files the job wrote into the local cache; returns their paths relative to the cache. */
export async function fetchSshRuns(opts: FetchOptions): Promise<string[]> {
  const incoming = join(opts.localCacheDir, `.incoming-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await mkdir(incoming, { recursive: true });
  try {
    const remote = `sh -c ${quoteShell(formatFetchScript(opts.remoteCacheDir, opts.markName))}`;
    await new Promise<void>((resolve, reject) => {
      const [sshFile, ...sshArgs] = opts.ssh;
      const ssh = spawn(sshFile, [...sshArgs, opts.host, remote], { stdio: ['ignore', 'pipe', 'pipe'] });
      const tar = spawn('tar', ['-x', '-f', '-', '-C', incoming], { stdio: ['pipe', 'ignore', 'pipe'] });
      // tar dying early is reported by its exit status, not by an EPIPE thrown here.
      tar.stdin.on('error', () => {});
      ssh.stdout.pipe(tar.stdin);
      let sshErr = '';
      let tarErr = '';
      ssh.stderr.on('data', (d) => (sshErr += d));
      tar.stderr.on('data', (d) => (tarErr += d));
      let sshCode: number | null = null;
      let tarCode: number | null = null;
      const finish = () => {
        if (sshCode === null || tarCode === null) return;
        if (sshCode !== 0) reject(new Error(`Fetching runs from ${opts.host}:${opts.remoteCacheDir} failed: ssh exited ${sshCode}: ${sshErr.trim()}`));
        else if (tarCode !== 0) reject(new Error(`Unpacking runs from ${opts.host} failed: tar exited ${tarCode}: ${tarErr.trim()}`));
        else resolve();
      };
      ssh.on('error', reject);
      tar.on('error', reject);
      ssh.on('close', (code) => ((sshCode = code ?? 1), finish()));
      tar.on('close', (code) => ((tarCode = code ?? 1), finish()));
    });
    return await moveIntoCache(incoming, opts.localCacheDir);
  } finally {
    await rm(incoming, { recursive: true, force: true });
  }
}

/** Folders of the cache whose entries are units (a run, a capacities write) that must appear whole. */
const UNIT_FOLDERS = new Set(['runs', 'capacities']);

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/**
 * Renames what was unpacked into the cache: each runs/<id> and capacities/<id> folder in one rename (one
 * already there is the same run and is kept), every other file on its own. Returns the moved paths.
 */
export async function moveIntoCache(incoming: string, cacheDir: string): Promise<string[]> {
  const moved: string[] = [];
  for (const top of await readdir(incoming, { withFileTypes: true })) {
    const topPath = join(incoming, top.name);
    if (top.isDirectory() && UNIT_FOLDERS.has(top.name)) {
      for (const unit of await readdir(topPath, { withFileTypes: true })) {
        const target = join(cacheDir, top.name, unit.name);
        if (await exists(target)) continue;
        await mkdir(dirname(target), { recursive: true });
        try {
          await rename(join(topPath, unit.name), target);
        } catch (e) {
          // Another job's fetch from the same host brought the same run and renamed it in first (between our
          // check and our rename): it is the same immutable run, so keep it and go on with the rest.
          const code = (e as NodeJS.ErrnoException).code;
          if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(target))) continue;
          throw e;
        }
        moved.push(join(top.name, unit.name));
      }
      continue;
    }
    const files = top.isDirectory() ? await listFiles(topPath) : [topPath];
    for (const file of files) {
      const target = join(cacheDir, relative(incoming, file));
      await mkdir(dirname(target), { recursive: true });
      await rename(file, target);
      moved.push(relative(incoming, file));
    }
  }
  return moved;
}
