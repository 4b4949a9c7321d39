// Engine flags as written in a workflow (System.flags) turned into CLI arguments, and the command template
// (System.command) filled in. Grammar of a flag entry:
//   key: true            -> --key
//   key: false           -> (omitted)
//   key: <string|number> -> --key <value>
// camelCase keys are rewritten in the CLI's own style (kebab for vLLM, SGLang, TGI, llama.cpp; snake for
// trtllm-serve); keys that already hold '-' or '_' are passed as written, so a user can always spell a flag
// exactly as the engine's --help prints it.

export type FlagStyle = 'kebab' | 'snake';

export function formatFlagName(key: string, style: FlagStyle): string {
  const bare = key.replace(/^-+/, '');
  if (/[-_]/.test(bare) || !/[A-Z]/.test(bare)) return `--${bare}`;
  const sep = style === 'kebab' ? '-' : '_';
  return `--${bare.replace(/[A-Z]/g, (c) => sep + c.toLowerCase())}`;
}

export function formatFlags(flags: Record<string, string | number | boolean>, style: FlagStyle): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(flags)) {
    if (value === false) continue;
    args.push(formatFlagName(key, style));
    if (value !== true) args.push(String(value));
  }
  return args;
}

export interface TemplateValues {
  model: string;
  port: number;
  host: string;
  tp: number;
  pp: number;
}

const PLACEHOLDER = /\{(model|port|host|tp|pp)\}/g;

// Fill {model} {port} {host} {tp} {pp} in every word of a user command; an unknown {name} is an error
// because it almost always is a typo that would otherwise reach the engine's argument parser.
export function fillCommandTemplate(template: string[], values: TemplateValues): string[] {
  return template.map((word) => {
    const unknown = word.match(/\{([a-zA-Z_]+)\}/g)?.filter((m) => !/^\{(model|port|host|tp|pp)\}$/.test(m));
    if (unknown && unknown.length > 0) {
      throw new Error(
        `Expected the system's \`command\` to use only {model} {port} {host} {tp} {pp}, got ${unknown.join(', ')} in \`${word}\``,
      );
    }
    return word.replace(PLACEHOLDER, (_m, name: keyof TemplateValues) => String(values[name]));
  });
}
