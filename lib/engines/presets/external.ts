// An already running OpenAI-compatible server (System.url): nothing is launched. Hosted APIs rarely offer
// /health, so readiness is GET /v1/models alone, and there is no engine /metrics to scrape. The API key stays
// in the environment variable System.apiKeyEnv names; it is read when requests are sent, never stored.
import type { Job } from '../../types.ts';
import type { Launch } from '../preset.ts';

export function buildExternalLaunch(job: Job): Launch {
  const url = job.system.url;
  if (!url) throw new Error(`Job ${job.id}: system \`${job.system.name}\` has engine external, expected a \`url\`, got none`);
  // Users write either the server root or the OpenAI base (…/v1); both name the same server.
  const baseUrl = url.replace(/\/+$/, '').replace(/\/v1$/, '');
  return {
    command: [],
    env: {},
    baseUrl,
    healthUrl: `${baseUrl}/v1/models`,
    modelsUrl: `${baseUrl}/v1/models`,
    metricsUrl: null,
    launched: false,
  };
}
