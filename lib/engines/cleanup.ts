// The registry of live server process groups, so that none outlives the runner: on SIGINT/SIGTERM every group
// gets SIGTERM and, after a grace period, SIGKILL; on any exit (normal or a crash) every group gets SIGTERM and a
// detached reaper that SIGKILLs what is left after the grace period, since an 'exit' handler cannot wait.
// A runner killed with SIGKILL cannot clean up; its servers are then found by their process group in `ps`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const live = new Map<number, string>(); // process-group id -> label
let installed = false;
let graceMs = 5000;

/** Track a server's process group until the returned function is called. */
export function registerServer(pgid: number, label: string): () => void {
  installHandlers();
  live.set(pgid, label);
  return () => {
    live.delete(pgid);
  };
}

export function liveServers(): { pgid: number; label: string }[] {
  return [...live].map(([pgid, label]) => ({ pgid, label }));
}

export function setCleanupGraceMs(ms: number): void {
  graceMs = ms;
}

// A group is alive while any member is not a zombie. kill(-pgid, 0) alone counts zombies too, and in a
// container whose init does not reap, orphaned zombies would make a stopped server look alive forever.
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const members = listGroupMembers(pgid);
  return members === null || members.some((m) => m.state !== 'Z');
}

/** Processes of a group from /proc (Linux); null where /proc is not available. */
export function listGroupMembers(pgid: number): { pid: number; state: string }[] | null {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  const members: { pid: number; state: string }[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) members.push({ pid: Number(name), state: fields[0] });
  }
  return members;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM every registered group, SIGKILL what remains after the grace period. */
export async function stopAllServers(gracePeriodMs = graceMs): Promise<void> {
  const groups = [...live.keys()];
  for (const pgid of groups) signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + gracePeriodMs;
  while (groups.some(isGroupAlive) && Date.now() < deadline) await sleep(50);
  for (const pgid of groups) if (isGroupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  for (const pgid of groups) live.delete(pgid);
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = async () => {
      await stopAllServers();
      // Exit only if nobody else (the runner) handles this signal; otherwise it decides the exit code.
      if (process.listenerCount(signal) === 1) process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    };
    process.on(signal, onSignal);
  }
  process.on('exit', () => {
    const groups = [...live.keys()];
    if (groups.length === 0) return;
    for (const pgid of groups) signalGroup(pgid, 'SIGTERM');
    // A detached node reaper rather than sh: dash's kill builtin cannot signal a process group portably.
    const reaper = `setTimeout(() => { for (const g of ${JSON.stringify(groups)}) { try { process.kill(-g, 'SIGKILL'); } catch {} } }, ${graceMs});`;
    try {
      spawn(process.execPath, ['-e', reaper], { detached: true, stdio: 'ignore' }).unref();
    } catch {
      for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
