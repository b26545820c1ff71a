import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/index.js';

let dir: string;

function capture(): { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-cli-'));
  const lines = ['size,kind,price'];
  for (let i = 0; i < 120; i++) lines.push(`${i % 17},${i % 3 === 0 ? 'a' : 'b'},${(i % 17) * 2 + (i % 3 === 0 ? 10 : 0)}`);
  writeFileSync(join(dir, 'train.csv'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'new.csv'), 'kind,size,unused\na,3,x\nb,4,y\n');
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('autolab train / predict / leaderboard', () => {
  it('trains, prints the leaderboard and scores a file', async () => {
    const model = join(dir, 'model');
    let io = capture();
    expect(await main(['train', join(dir, 'train.csv'), '--target', 'price', '--trials', '2', '--out', model, '--json'])).toBe(0);
    const summary = JSON.parse(io.out());
    expect(summary).toMatchObject({ task: 'regression', metric: 'rmse', bundle: model });
    vi.restoreAllMocks();

    io = capture();
    expect(await main(['leaderboard', model])).toBe(0);
    expect(io.out()).toMatch(/^regression model of 'price', rmse/);
    expect(io.out()).toMatch(/rank\s+rmse\s+weight\s+seconds\s+rows\s+model/);
    vi.restoreAllMocks();

    capture();
    const preds = join(dir, 'preds.csv');
    expect(await main(['predict', model, join(dir, 'new.csv'), '--out', preds])).toBe(0);
    const lines = readFileSync(preds, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('prediction');
    expect(lines).toHaveLength(3);
  });

  it('reads no file a bundle names outside its folder, and never writes predictions over their input', async () => {
    const model = join(dir, 'model-guarded');
    capture();
    expect(await main(['train', join(dir, 'train.csv'), '--target', 'price', '--trials', '2', '--out', model])).toBe(0);
    vi.restoreAllMocks();
    const manifestPath = join(model, 'bundle.json');
    const manifest = readFileSync(manifestPath, 'utf8');
    const first = (JSON.parse(manifest) as { members: { models: string[] }[] }).members[0]?.models[0] ?? '';
    for (const named of ['../../../../../../../../etc/passwd', '/etc/passwd', 'models/../../model/bundle.json']) {
      writeFileSync(manifestPath, manifest.replace(JSON.stringify(first), JSON.stringify(named)));
      const io = capture();
      expect(await main(['predict', model, join(dir, 'new.csv')])).toBe(1);
      expect(io.err()).toBe(`autolab: ${manifestPath} names ${JSON.stringify(named)}, which is outside ${model} — it may only name files inside its folder: restore it or make it again\n`);
      expect(io.out()).toBe('');
      vi.restoreAllMocks();
    }
    // a symbolic link inside the bundle that leads out of it
    writeFileSync(manifestPath, manifest);
    rmSync(join(model, first));
    symlinkSync('/etc/passwd', join(model, first));
    let io = capture();
    expect(await main(['predict', model, join(dir, 'new.csv')])).toBe(1);
    expect(io.err()).toMatch(/^autolab: .*bundle\.json names "models\/[^"]+", which is outside /);
    expect(io.err()).not.toContain('root:');
    vi.restoreAllMocks();
    // a damaged member file: named, without its content
    rmSync(join(model, first));
    writeFileSync(join(model, first), 'root:x:0:0:root:/root:/bin/bash\n');
    io = capture();
    expect(await main(['predict', model, join(dir, 'new.csv')])).toBe(1);
    expect(io.err()).toBe(`autolab: model file ${join(model, first)} of the bundle is damaged (not JSON) — copy the whole bundle folder again or train again\n`);
    vi.restoreAllMocks();
    // valid JSON, but not a model (or a model of the wrong shape)
    for (const content of ['[1, 2]', '{"kind": "gbdt", "trees": "none"}', '{"kind": "no-such-model"}']) {
      writeFileSync(join(model, first), content);
      io = capture();
      expect(await main(['predict', model, join(dir, 'new.csv')])).toBe(1);
      expect(io.err()).toMatch(new RegExp(`^autolab: model file .* of the bundle is (damaged|not)[^\n]*\n$`));
      vi.restoreAllMocks();
    }

    const good = join(dir, 'model');
    const input = join(dir, 'score-me.csv');
    writeFileSync(input, 'kind,size\na,3\n');
    io = capture();
    expect(await main(['predict', good, input, '--out', input])).toBe(2);
    expect(io.err()).toMatch(/^autolab: the output .*score-me\.csv is the input data file — write the predictions to another file[^\n]*\n$/);
    expect(await main(['predict', good, input, '--out', join(dir, '.', 'score-me.csv')])).toBe(2);
    expect(readFileSync(input, 'utf8')).toBe('kind,size\na,3\n');
    // an existing output is kept unless --force says to replace it
    const out = join(dir, 'scored.csv');
    const old = 'old content that is longer than the new one\n'.repeat(100);
    writeFileSync(out, old);
    expect(await main(['predict', good, input, '--out', out])).toBe(2);
    expect(io.err()).toMatch(new RegExp(`autolab: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} exists already — add --force to replace it, or choose another --out\n$`));
    expect(readFileSync(out, 'utf8')).toBe(old);
    // with --force it is replaced whole, through a temporary file that does not stay
    expect(await main(['predict', good, input, '--out', out, '--force'])).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('prints one-line errors and exits non-zero', async () => {
    const io = capture();
    expect(await main(['train', join(dir, 'nope.csv'), '--target', 'price'])).toBe(1);
    expect(io.err()).toMatch(/^autolab: file not found: .*nope\.csv — check the path[^\n]*\n$/);
    expect(await main(['train', join(dir, 'train.csv'), '--target', 'price', '--trials', 'x'])).toBe(2);
    expect(await main(['predict', dir, join(dir, 'new.csv')])).toBe(1);
    expect(io.err()).toMatch(/is not a model bundle/);
  });
});

describe('a table with every kind of column and a rare class', () => {
  const fixture = (name: string) => join(import.meta.dirname, '../../test/fixtures/automl', name);

  it('drops the id, keeps every class in the output, and maps an unseen region to missing', async () => {
    const model = join(dir, 'loans');
    const io = capture();
    expect(await main(['train', fixture('loans.csv'), '--target', 'grade', '--trials', '3', '--out', model, '--json'])).toBe(0);
    const summary = JSON.parse(io.out());
    expect(summary.task).toBe('multiclass');
    expect(summary.classes).toEqual(['A', 'B', 'C', 'D']);
    expect(summary.notes).toContain("column 'loan_id' was dropped (id-like)");
    const manifest = JSON.parse(readFileSync(join(model, 'bundle.json'), 'utf8'));
    // vip (true/false) is read as ingest keeps it, as text: a categorical of two values
    expect(manifest.pipeline.steps.map((s: { kind: string }) => s.kind)).toEqual(['numeric', 'categorical', 'categorical', 'datetime', 'text-hash']);
    const preds = join(dir, 'loans-preds.csv');
    expect(await main(['predict', model, fixture('loans-new.csv'), '--out', preds])).toBe(0);
    const lines = readFileSync(preds, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('prediction,proba_A,proba_B,proba_C,proba_D');
    expect(lines).toHaveLength(3);
  });
});
