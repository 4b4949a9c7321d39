// Loading a model's tokenizer.json: a local file, or a Hugging Face id fetched once into cacheDir/tokenizers/
// (HF_TOKEN, when set, is sent for gated models and never written anywhere).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

async function fetchHubFile(id: string, file: string): Promise<string | null> {
  const headers: Record<string, string> = {};
  if (process.env.HF_TOKEN) headers.authorization = `Bearer ${process.env.HF_TOKEN}`;
  const url = `https://huggingface.co/${id}/resolve/main/${file}`;
  const res = await fetch(url, { headers });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`Tokenizer ${id}: downloading ${url}: expected HTTP 200, got ${res.status}`);
  return res.text();
}

async function cacheHubFile(id: string, file: string, dir: string): Promise<string | null> {
  const path = join(dir, file);
  if (existsSync(path)) return readFile(path, 'utf8');
  const text = await fetchHubFile(id, file);
  if (text === null) return null;
  await mkdir(dir, { recursive: true });
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
  return text;
}

export async function readTokenizer(spec: string, cacheDir: string): Promise<Tokenizer> {
  let json: string, config = '{}';
  if (existsSync(spec)) {
    json = await readFile(spec, 'utf8');
    const cfg = join(spec, '..', 'tokenizer_config.json');
    if (existsSync(cfg)) config = await readFile(cfg, 'utf8');
  } else {
    if (!/^[\w.-]+\/[\w.-]+$/.test(spec)) {
      throw new Error(`Tokenizer: expected a tokenizer.json path or a Hugging Face id like org/name, got \`${spec}\``);
    }
    const dir = join(cacheDir, 'tokenizers', spec.replace('/', '--'));
    const text = await cacheHubFile(spec, 'tokenizer.json', dir);
    if (text === null) throw new Error(`Tokenizer ${spec}: the Hugging Face repository has no tokenizer.json`);
    json = text;
    config = (await cacheHubFile(spec, 'tokenizer_config.json', dir)) ?? '{}';
  }
  return new Tokenizer(JSON.parse(json), JSON.parse(config));
}
