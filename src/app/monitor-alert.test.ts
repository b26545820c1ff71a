import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAlert, type DriftAlert } from './monitor-alert.js';

const alert: DriftAlert = {
  kind: 'autolab.drift',
  project: 'p',
  table: 't',
  message: 't v2 drifted',
  referenceVersion: 1,
  currentVersion: 2,
  driftedShare: 0.75,
  drifted: ['a', 'b', 'c'],
  weightedDriftScore: 0.4,
  estimatedAccuracy: 0.9,
  checkedAt: '2026-12-04T00:00:00.000Z',
};

describe('the drift webhook, against a real local HTTP server', () => {
  let server: Server;
  let base = '';
  const received: unknown[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(req.url === '/broken' ? 500 : 200).end('ok');
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('posts the alert as JSON and says where, without the path', async () => {
    expect(await postAlert(`${base}/secret-token/hook`, alert)).toBe(`posted to ${base.slice(7)} (HTTP 200)`);
    expect(received.at(-1)).toEqual(alert);
  });

  it('an answer other than 2xx, a closed port or a URL that is not http(s) is a one-line error naming the host only', async () => {
    await expect(postAlert(`${base}/broken`, alert)).rejects.toThrow(
      `the webhook at ${base.slice(7)} answered the drift alert with HTTP 500 — check monitor.webhook in autolab.yaml; the next autolab run tries again`,
    );
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    await expect(postAlert(`http://127.0.0.1:${port}/token`, alert)).rejects.toThrow(
      new RegExp(`^the drift alert could not be posted to the webhook at 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\) — check monitor\\.webhook`),
    );
    await expect(postAlert('ftp://example.org/x', alert)).rejects.toThrow(/^monitor\.webhook in autolab\.yaml is not an http\(s\) URL — /);
  });
});
