// A launch as one shell line, for --dry-run and logs: the added environment first, then the command, each
// word quoted only when the shell would otherwise split or expand it (the sim's JSON settings, for one).
import type { Launch } from './preset.ts';

export function formatShellWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function formatLaunch(launch: Launch): string {
  if (!launch.launched) return `(external server at ${launch.baseUrl}; nothing is started)`;
  const env = Object.entries(launch.env).map(([k, v]) => `${k}=${formatShellWord(v)}`);
  return [...env, ...launch.command.map(formatShellWord)].join(' ');
}
