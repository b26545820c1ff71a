import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, err, out, run } from './cli.testutil.js';

captureOutput();

let dir: string;
const model = (): string => join(dir, 'model');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-explain-cli-'));
  const lines = ['size,kind,when,price'];
  for (let i = 0; i < 300; i++) {
    const month = 1 + (i % 12);
    lines.push(`${i % 17},${['a', 'b', 'c'][i % 3]},2024-${String(month).padStart(2, '0')}-0${1 + (i % 9)},${(i % 17) * 2 + (i % 3 === 0 ? 10 : 0) + month * 0.5}`);
  }
  writeFileSync(join(dir, 'train.csv'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'new.csv'), 'kind,size,when,unused\na,3,2024-03-02,x\nb,14,2024-11-05,y\n"c",,2024-01-01,z\n');
  writeFileSync(join(dir, 'broken.csv'), 'kind,when\na,2024-03-02\n');
  expect(await run('train', join(dir, 'train.csv'), '--target', 'price', '--trials', '3', '--seed', '2', '--out', model())).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parseCsv(text: string): string[][] {
  return text.trim().split('\n').map((line) => line.split(','));
}

describe('autolab explain MODEL DATA', () => {
  it('CSV: a line per row and rank, largest |contribution| first; with every column, base + Σ = the prediction (an averaged regression)', async () => {
    const manifest = JSON.parse(readFileSync(join(model(), 'bundle.json'), 'utf8')) as { combiner: { kind: string }; members: { config: { logTarget?: boolean } }[] };
    // the precondition of the sum: members averaged, none on the log scale
    expect(manifest.combiner.kind).toBe('average');
    expect(manifest.members.some((m) => m.config.logTarget === true)).toBe(false);
    expect(await run('explain', model(), join(dir, 'new.csv'), '--top', '3')).toBe(0);
    const [header, ...lines] = parseCsv(out);
    expect(header).toEqual(['row', 'prediction', 'output', 'base', 'rank', 'column', 'value', 'contribution']);
    expect(lines).toHaveLength(3 * 3);
    for (let row = 0; row < 3; row++) {
      const mine = lines.filter((l) => l[0] === String(row));
      expect(mine.map((l) => l[4])).toEqual(['1', '2', '3']);
      const sizes = mine.map((l) => Math.abs(Number(l[7])));
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      expect(new Set(mine.map((l) => l[5])).size).toBe(3);
      const total = Number(mine[0]![3]) + mine.reduce((s, l) => s + Number(l[7]), 0);
      expect(Math.abs(total - Number(mine[0]![1]))).toBeLessThan(1e-6);
    }
    // values are the row's own, as given (a missing number is empty)
    const kindOf = (row: number): string | undefined => lines.find((l) => l[0] === String(row) && l[5] === 'kind')?.[6];
    expect([kindOf(0), kindOf(1), kindOf(2)]).toEqual(['a', 'b', 'c']);
    expect(lines.find((l) => l[0] === '2' && l[5] === 'size')?.[6]).toBe('');
    expect(lines.some((l) => l[5] === 'unused')).toBe(false);
  });

  it('--json prints the explanations; --out FILE.json writes them and prints a summary', async () => {
    expect(await run('explain', model(), join(dir, 'new.csv'), '--top', '2', '--json')).toBe(0);
    const document = JSON.parse(out) as { sumEquals: string; members: { model: string; weights: number[] }[]; rows: { row: number; output: string; contributions: { column: string; value: unknown; contribution: number }[] }[] };
    expect(document.rows).toHaveLength(3);
    expect(document.rows[0]!.output).toBe('price');
    expect(document.rows[0]!.contributions).toHaveLength(2);
    expect(document.sumEquals).toMatch(/prediction/);
    expect(document.members.reduce((s, m) => s + (m.weights[0] ?? 0), 0)).toBeCloseTo(1, 9);

    const file = join(dir, 'why.json');
    expect(await run('explain', model(), join(dir, 'new.csv'), '--out', file)).toBe(0);
    expect(out).toMatch(/^wrote the top 5 contributions of 3 rows to .*why\.json/);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { rows: unknown[] }).rows).toHaveLength(3);
    expect(await run('explain', model(), join(dir, 'new.csv'), '--out', file)).toBe(2);
    expect(err).toMatch(/^autolab: .*why\.json.*\n$/);
  });

  it('bad input is one line: --top not a count, a column the model needs missing, the output being the input', async () => {
    expect(await run('explain', model(), join(dir, 'new.csv'), '--top', '0')).toBe(2);
    expect(err).toBe("autolab: --top '0' is not a positive whole number\n");
    expect(await run('explain', model(), join(dir, 'broken.csv'))).toBe(1);
    expect(err).toMatch(/^autolab: column 'size' is missing from the input — [^\n]+\n$/);
    expect(await run('explain', model(), join(dir, 'new.csv'), '--out', join(dir, 'new.csv'), '--force')).toBe(2);
    expect(err).toMatch(/is the input data file — write the explanations to another file/);
  });
});
