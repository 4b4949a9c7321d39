// Watchdog of one server process group, run as its own detached process (plain JS: no tsx start-up cost).
// If the runner that started the server disappears without cleaning up (SIGKILL, OOM killer), this process is
// re-parented; it then stops the group (SIGTERM, SIGKILL after the grace period). It exits once the group is
// gone. Usage: node watchdog.mjs <ownerPid> <pgid> <graceMs>
import fs from 'node:fs';

const [ownerPid, pgid, graceMs] = process.argv.slice(2).map(Number);

function groupAlive() {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  // Zombies left for a non-reaping init do not count (see cleanup.ts).
  try {
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
      } catch {}
    }
    return false;
  } catch {
    return true;
  }
}

function ownerAlive() {
  if (process.ppid !== ownerPid) return false;
  try {
    process.kill(ownerPid, 0);
    return true;
  } catch {
    return false;
  }
}

const timer = setInterval(() => {
  if (!groupAlive()) process.exit(0);
  if (ownerAlive()) return;
  clearInterval(timer);
  try { process.kill(-pgid, 'SIGTERM'); } catch {}
  const deadline = Date.now() + graceMs;
  const wait = setInterval(() => {
    if (!groupAlive()) process.exit(0);
    if (Date.now() < deadline) return;
    try { process.kill(-pgid, 'SIGKILL'); } catch {}
    clearInterval(wait);
    setTimeout(() => process.exit(0), 200);
  }, 100);
}, 500);
