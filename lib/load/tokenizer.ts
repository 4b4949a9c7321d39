// Loading a model's tokenizer.json: a local file, or a Hugging Face id fetched once into cacheDir/tokenizers/
// (HF_TOKEN, when set, is sent for gated models and never written anywhere; HF_ENDPOINT points at a mirror,
// as in huggingface_hub).
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

const defaultHub = () => process.env.HF_ENDPOINT ?? 'https://huggingface.co';

async function fetchHubFile(hub: string, id: string, file: string): Promise<string | null> {
  const headers: Record<string, string> = {};
  if (process.env.HF_TOKEN) headers.authorization = `Bearer ${process.env.HF_TOKEN}`;
  const url = `${hub.replace(/\/+$/, '')}/${id}/resolve/main/${file}`;
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`Tokenizer ${id}: downloading ${url} failed (${cause?.code ?? cause?.message ?? (err as Error).message})`);
  }
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`Tokenizer ${id}: downloading ${url}: expected HTTP 200, got ${res.status}`);
  return res.text();
}

async function cacheHubFile(hub: string, id: string, file: string, dir: string): Promise<string | null> {
  const path = join(dir, file);
  if (existsSync(path)) return readFile(path, 'utf8');
  const text = await fetchHubFile(hub, id, file);
  if (text === null && file === 'tokenizer.json') return null;
  await mkdir(dir, { recursive: true });
  // A repository without the optional config is remembered as an empty one, so the cache works offline.
  await writeFile(`${path}.tmp`, text ?? '{}');
  await rename(`${path}.tmp`, path);
  return text ?? '{}';
}

export async function readTokenizer(spec: string, cacheDir: string, hub = defaultHub()): Promise<Tokenizer> {
  let json: string, config = '{}';
  if (existsSync(spec) && statSync(spec).isDirectory()) spec = join(spec, 'tokenizer.json');
  if (existsSync(spec)) {
    json = await readFile(spec, 'utf8');
    const cfg = join(spec, '..', 'tokenizer_config.json');
    if (existsSync(cfg)) config = await readFile(cfg, 'utf8');
  } else {
    if (!/^[\w.-]+\/[\w.-]+$/.test(spec)) {
      throw new Error(`Tokenizer: expected a tokenizer.json path or a Hugging Face id like org/name, got \`${spec}\``);
    }
    const dir = join(cacheDir, 'tokenizers', spec.replace('/', '--'));
    const text = await cacheHubFile(hub, spec, 'tokenizer.json', dir);
    if (text === null) throw new Error(`Tokenizer ${spec}: the Hugging Face repository has no tokenizer.json`);
    json = text;
    config = (await cacheHubFile(hub, spec, 'tokenizer_config.json', dir)) ?? '{}';
  }
  return new Tokenizer(JSON.parse(json), JSON.parse(config));
}
