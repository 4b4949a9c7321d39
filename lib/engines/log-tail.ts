// The last lines of a server log, for error messages. Reads only the end of the file: engine logs of a long
// job reach hundreds of megabytes.
import fs from 'node:fs';

export function readLogTail(logPath: string, maxLines = 20, maxBytes = 64 * 1024): string[] {
  let fd: number;
  try {
    fd = fs.openSync(logPath, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    if (length < size) lines.shift(); // the first line is likely cut
    return lines.slice(-maxLines);
  } finally {
    fs.closeSync(fd);
  }
}
