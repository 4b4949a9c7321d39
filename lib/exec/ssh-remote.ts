// What the ssh executor says to a host: the shell scripts it runs there, and running one over ssh. Every script
// goes through `sh -c` so the host user's login shell (bash, zsh, fish...) does not change its meaning.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { quoteShell } from './slurm-script.ts';

/** A path for the remote shell: quoted, except that a leading `~/` still means the remote home. */
export function quoteRemotePath(path: string): string {
  if (path === '~') return '"$HOME"';
  if (path.startsWith('~/')) return `"$HOME"/${quoteShell(path.slice(2))}`;
  return quoteShell(path);
}

/** Where the workflow lives under each workdir: its path inside the local checkout, or `.headroom/<name>`. */
export function formatRemoteWorkflowPath(workflowFile: string, repoRoot: string): string {
  const rel = relative(repoRoot, workflowFile);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return `.headroom/${basename(workflowFile)}`;
  return rel.split(sep).join('/');
}

/** Writes stdin to the workflow's place under workdir (temp name, then rename: a job never reads half a file). */
export function formatUploadScript(workdir: string, remoteWorkflow: string): string {
  const target = quoteRemotePath(remoteWorkflow);
  return `cd ${quoteRemotePath(workdir)} && mkdir -p "$(dirname ${target})" && cat > ${target}.tmp && mv ${target}.tmp ${target}`;
}

const PGID_LINE = /^headroom-remote-pgid (\d+)\n?/m;

/**
 * The remote shell script of one attempt: mark the start (for the fetch), then run the command with its GPUs
 * in a session of its own (setsid) whose id it prints first, so an interrupt can stop the whole group.
 */
export function formatSshJobScript(opts: {
  workdir: string; remoteCacheDir: string; markName: string; gpus: number[]; command: string[];
}): string {
  const rc = quoteRemotePath(opts.remoteCacheDir);
  return [
    `cd ${quoteRemotePath(opts.workdir)}`,
    `mkdir -p ${rc}`,
    `touch ${rc}/${quoteShell(opts.markName)}`,
    `export CUDA_VISIBLE_DEVICES=${opts.gpus.join(',')}`,
    `exec setsid -w sh -c 'echo "headroom-remote-pgid $$"; exec "$@"' sh ${opts.command.map(quoteShell).join(' ')}`,
  ].join(' && ');
}

/** The process group id the job script printed first, or null while it has not. */
export function parseRemotePgid(output: string): string | null {
  return PGID_LINE.exec(output)?.[1] ?? null;
}

/** Output without the process group line (it is for us, not for the job's log). */
export function stripRemotePgid(output: string): string {
  return output.replace(PGID_LINE, '');
}

/**
 * Runs a script on a host over ssh; resolves with its exit status (255: ssh itself failed; 127: no ssh here).
 * stdout and stderr go to onOut as they come.
 */
export function runRemote(
  ssh: string[], host: string, script: string, input?: Buffer, onOut?: (chunk: string) => void,
): Promise<number> {
  return new Promise<number>((resolve) => {
    const [file, ...args] = ssh;
    const child = spawn(file, [...args, host, `sh -c ${quoteShell(script)}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => onOut?.(d.toString()));
    child.stderr.on('data', (d: Buffer) => onOut?.(d.toString()));
    child.on('error', (e) => (onOut?.(`${e.message}\n`), resolve(127)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    // A command that exits without reading its input must not crash us with EPIPE: its exit status tells.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/**
 * Shared ssh connections, one per host: each job needs a few ssh sessions (upload, run, fetch, stop) and every
 * new connection costs a key exchange (~1 s here) and counts against the host's MaxStartups. A master started
 * on the first use carries the later sessions; a session the master cannot take (MaxSessions) falls back to a
 * connection of its own, as ssh does by itself.
 */
export interface SshMux {
  /** ssh and options that use the shared connections. */
  ssh: string[];
  /** Starts the host's master once (failures are left to the sessions, which then connect by themselves). */
  open(host: string): Promise<void>;
  /** Closes every master and removes their sockets. */
  close(): Promise<void>;
}

export async function startSshMux(ssh: string[]): Promise<SshMux> {
  // Unix socket paths are short (104 bytes on macOS): keep the folder near the root.
  const base = tmpdir().length > 40 ? '/tmp' : tmpdir();
  const dir = await mkdtemp(join(base, 'hr-ssh-'));
  const path = ['-o', `ControlPath=${join(dir, '%C')}`];
  const opened = new Map<string, Promise<void>>();
  const run = (args: string[]) =>
    new Promise<void>((resolve) => {
      // No pipes: the master stays in the background and would hold them open.
      const child = spawn(ssh[0], [...ssh.slice(1), ...args], { stdio: 'ignore' });
      child.on('error', () => resolve());
      child.on('close', () => resolve());
    });
  return {
    ssh: [...ssh, ...path, '-o', 'ControlMaster=no'],
    open(host) {
      let done = opened.get(host);
      if (!done) {
        // ControlPersist: a master left behind by a crash ends itself after two idle minutes.
        done = run([...path, '-o', 'ControlMaster=yes', '-o', 'ControlPersist=120', host, 'true']);
        opened.set(host, done);
      }
      return done;
    },
    async close() {
      await Promise.all([...opened.keys()].map((host) => run([...path, '-O', 'exit', host])));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
