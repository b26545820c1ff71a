import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, openDuckEngine, quoteLiteral, type DuckEngine } from '../lake/index.js';
import { pruneFeatures } from './pruning.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-pruning-'));
let engine: DuckEngine;
beforeAll(async () => {
  engine = await openDuckEngine(dir);
});
afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function table(name: string, sql: string): Promise<string> {
  const path = join(dir, `${name}.parquet`);
  await execute(engine.conn, `COPY (${sql}) TO ${quoteLiteral(path)} (FORMAT parquet)`);
  return path;
}

describe('pruning gold features', () => {
  it('drops mostly missing, constant, duplicate and correlated features, and ranks the rest by association with the label', async () => {
    const path = await table(
      'wide',
      `SELECT x > 0.6 AS label,
              x AS strong, x * 2 + 1 AS strong_scaled, x + ((hash(i) % 100) / 1000.0) AS strong_noisy,
              (hash(i * 7) % 1000) / 1000.0 AS noise,
              7 AS constant, CASE WHEN i % 50 = 0 THEN 1.0 END AS sparse,
              'k' || (i % 3) AS category, 'k' || (i % 3) AS category_copy,
              x AS strong_copy
       FROM (SELECT i, (hash(i * 13) % 1000) / 1000.0 AS x FROM range(3000) t(i))`,
    );
    const result = await pruneFeatures(engine.conn, path, { label: 'label' });
    expect(result.dropped.missing).toEqual(['sparse']);
    expect(result.dropped.constant).toEqual(['constant']);
    expect([...result.dropped.duplicate].sort()).toEqual(['category_copy', 'strong_copy']);
    expect([...result.dropped.correlated].sort()).toEqual(['strong', 'strong_noisy', 'strong_scaled'].filter((n) => n !== result.kept[0]).sort());
    expect(['strong', 'strong_scaled', 'strong_noisy']).toContain(result.kept[0]);
    expect(result.kept).toContain('noise');
    expect(result.kept).toContain('category');
    expect(result.kept.indexOf('noise')).toBeGreaterThan(0);

    const capped = await pruneFeatures(engine.conn, path, { label: 'label', maxFeatures: 1 });
    expect(capped.kept).toEqual([result.kept[0]]);
    expect(capped.dropped.capped).toEqual(result.kept.slice(1));
  });
});
