import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { trainModel } from '../automl/index.js';
import { Rng } from '../learn/random.js';

/** Rows of a small binary problem: a number, a category, a flag, a date; the label follows x and color. */
export function tinyRows(count: number, seed: number): Record<string, unknown>[] {
  const rng = new Rng(seed);
  const colors = ['red', 'green', 'blue'];
  return Array.from({ length: count }, () => {
    const x = rng.next() * 10;
    const color = colors[rng.int(3)]!;
    const flag = rng.next() < 0.5;
    const day = new Date(Date.UTC(2024, rng.int(12), 1 + rng.int(28)));
    const label = x + (color === 'red' ? 3 : 0) + (flag ? 1 : 0) + rng.next() * 2 > 7 ? 'yes' : 'no';
    return { x, color, flag, day, label };
  });
}

/** Trains a small bundle (a few candidates, seconds) into a fresh folder; returns the folder. */
export async function trainTinyBundle(seed = 1, name = 'tiny'): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'autolab-serve-test-')), name);
  await trainModel(tinyRows(400, seed), { target: 'label', trials: 3, seed, out, threads: 1 });
  return out;
}

/** Listens on a free loopback port; returns the base URL. */
export async function listenLocally(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
