import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CUSTOMERS_SQL, makeExploreLab, ORDERS_SQL, type ExploreLab } from '../../app/explore.testutil.js';
import { captureOutput, err, out, run } from './cli.testutil.js';

captureOutput();

/**
 * explore → tags → report through the command line, on a real lab whose bronze snapshots are
 * Parquet files recorded the way ingest records them (explore.testutil).
 */

const startDir = process.cwd();
let env: ExploreLab;

beforeAll(async () => {
  env = await makeExploreLab();
  await env.addSnapshot('customers', CUSTOMERS_SQL());
  await env.addSnapshot('orders', ORDERS_SQL);
});
afterAll(async () => {
  process.chdir(startDir);
  await env.cleanup();
});
beforeEach(() => {
  process.chdir(env.lab.root);
});
afterEach(() => {
  delete process.env['EDITOR'];
  delete process.env['VISUAL'];
});


const kinds = async () => (await env.lab.catalog.listActions({ project: 'churn' })).map((a) => a.kind);

describe('autolab explore, tags and report', () => {
  it('explores, summarises and writes the report; a second run reuses every profile', async () => {
    expect(await run('explore')).toBe(0);
    expect(err).toContain('profiling customers…');
    expect(out).toMatch(/^explored churn: 2 tables, 3,000 rows, 12 columns/);
    expect(out).toMatch(/customers +1 +600 +8 +\d+ +new/);
    expect(out).toMatch(/suggested target: customers\.churn \(binary, confidence 0\.\d\d\) — /);
    expect(out).toMatch(/candidate keys: customers \(customer_id[^)]*\); orders \(order_id/);
    expect(out).toMatch(/orders\.customer_id +customers\.customer_id +one-to-many +\d\.\d\d +suggested/);
    expect(out).toMatch(/customers\.email +email +\d\.\d\d +\S+@/);
    expect(out).toContain('round 2: waits on a confirmed target');
    const reportPath = join(env.lab.root, '.autolab', 'reports', 'churn.html');
    expect(out).toContain(`report: ${reportPath}`);
    const html = readFileSync(reportPath, 'utf8');
    expect(html).toContain('<title>churn · exploration report · autolab</title>');
    expect(await kinds()).toEqual(expect.arrayContaining(['explore.table', 'explore.relationships', 'tags.suggest', 'explore.report']));

    // nothing new: nothing is profiled, written or recorded again
    const recorded = (await kinds()).length;
    expect(await run('explore', 'churn', '--json')).toBe(0);
    expect((await kinds()).length).toBe(recorded);
    const summary = JSON.parse(out) as {
      tables: { name: string; profiled: boolean }[];
      alerts: { warnings: number; byKind: { kind: string; count: number }[] };
      pii: { column: string; kind: string; evidence: string[] }[];
      target: { suggested: { column: string }; confirmed: string | null };
      report: string;
    };
    expect(summary.tables.map((t) => [t.name, t.profiled])).toEqual([
      ['customers', false],
      ['orders', false],
    ]);
    expect(summary.alerts.byKind.reduce((n, k) => n + k.count, 0)).toBeGreaterThan(0);
    expect(summary.pii).toContainEqual(expect.objectContaining({ column: 'customers.email', kind: 'email' }));
    // evidence is masked: never a whole address
    expect(summary.pii.flatMap((p) => p.evidence).some((e) => /^user\d+@example\.com$/.test(e))).toBe(false);
    expect(summary.target).toMatchObject({ suggested: { column: 'churn' }, confirmed: null });
    expect(summary.report).toBe(reportPath);
  });

  it('shows, sets, accepts and versions the tags, and round 2 follows the target', async () => {
    expect(await run('tags')).toBe(0);
    expect(out).toMatch(/^tags of churn, version 1 \(autolab, [\d-]+ [\d:]+\): 12 of 12 columns and 1 relationships wait on you/);
    expect(out).toMatch(/customers\.email +\w+\? +\w+\? +email\? +hash\? +\d\.\d\d +suggested/);
    expect(out).toMatch(/orders\.customer_id -> customers\.customer_id +one-to-many +\d\.\d\d +suggested/);
    expect(out).toContain('round 2: waits on a confirmed target');

    process.env['AUTOLAB_USER'] = 'ada';
    try {
      expect(await run('tags', 'set', 'customers.churn', 'role=target', 'description=left within 90 days')).toBe(0);
      expect(out).toBe('tags version 2: 2 changes\n  customers.churn role=target\n  customers.churn description=left within 90 days\n');
      expect(await run('tags', 'set', 'customers.churn', 'role=target')).toBe(0);
      expect(out).toBe('no change: the tags already say so (version 2)\n');
      expect(await run('tags', 'set', 'customers.nope', 'role=id')).toBe(1);
      expect(err).toMatch(/^autolab: no column customers\.nope in the explored tables \(customers, orders\) — /);
      expect(await run('tags', 'set', 'customers.plan', 'role=boss')).toBe(2);
      expect(err).toMatch(/^autolab: role "boss" is not one of target, id, feature/);

      expect(await run('tags', 'rel', 'orders.customer_id', 'customers.customer_id', 'confirmed')).toBe(0);
      expect(out).toContain('orders.customer_id->customers.customer_id confirmed one-to-many');
      expect(await run('tags', 'set', 'orders.customer_id->customers.customer_id', 'rejected', '--json')).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ version: 4, changed: true });
      expect(await run('tags', 'rel', 'orders.customer_id', 'customers.customer_id', 'confirmed', 'cardinality=one-to-many')).toBe(0);

      expect(await run('tags', 'show', '--open', '--table', 'customers')).toBe(0);
      expect(out).toMatch(/^customers\.churn +target +boolean\? .* open: type, pii +left within 90 days$/m);
      expect(out).not.toContain('orders.');
      expect(out).toContain('round 2: not run for these tags and snapshots yet');

      expect(await run('tags', 'accept', '--min-confidence', '1.5')).toBe(2);
      expect(err).toContain("--min-confidence '1.5' is too large");
      expect(await run('tags', 'accept', '--min-confidence', '0.9')).toBe(0);
      expect(out).toMatch(/^tags version 6: \d+ changes/);
    } finally {
      delete process.env['AUTOLAB_USER'];
    }

    expect(await run('tags', 'show', '--json')).toBe(0);
    const view = JSON.parse(out) as { version: number; author: string; columns: { column: string; role: string; state: string; open: string[] }[] };
    expect(view).toMatchObject({ version: 6, author: 'ada' });
    expect(view.columns.find((c) => c.column === 'churn')).toMatchObject({ role: 'target' });

    expect(await run('tags', 'history')).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^version +when +who +change$/);
    expect(lines[1]).toMatch(/^ +1 +[\d-]+ [\d:]+ +autolab +suggestions refreshed$/);
    expect(lines[2]).toMatch(/^ +2 +[\d-]+ [\d:]+ +ada +customers\.churn role=target, customers\.churn description=left within 90 days$/);
    expect(lines).toHaveLength(7);

    // round 2 runs once a target is confirmed; a new snapshot brings drift
    await env.addSnapshot('customers', CUSTOMERS_SQL(40));
    expect(await run('explore')).toBe(0);
    expect(out).toMatch(/customers +2 +600 +8 +\d+ +new/);
    expect(out).toMatch(/orders +1 +2,400 +4 +\d+ +unchanged/);
    expect(out).toContain('target: customers.churn (confirmed)');
    expect(out).toMatch(/round 2 \(target customers\.churn, binary\): leakage suspects [^;]*churn_copy \(near_copy\)[^;]*; drift [^\n]*customers\.tenure_months large/);
    expect(await kinds()).toContain('explore.target');
    // `autolab status` tells a person to run `autolab tags PROJECT`: that is `tags show PROJECT`
    expect(await run('tags', 'churn')).toBe(0);
    expect(out).toContain('round 2: up to date with these tags');
    expect(await run('status')).toBe(0);
    expect(out).toMatch(/\[x\] explored/);
    expect(out).toMatch(/\[x\] tagged/);
  });

  it('edits the tags as YAML in $EDITOR: problems name their line, the fixed file is saved', async () => {
    // a scripted editor: the first save writes a role that does not exist, the second fixes it
    const editor = join(env.dir, 'editor.sh');
    const rounds = join(env.dir, 'editor-rounds');
    const firstSave = join(env.dir, 'first-save.yaml');
    writeFileSync(
      editor,
      [
        '#!/bin/sh',
        `echo x >> '${rounds}'`,
        `if [ "$(wc -l < '${rounds}')" -eq 1 ]; then`,
        '  sed -i "/^    plan:/,/role:/ s/role: .*/role: bosss/" "$1"',
        `  cp "$1" '${firstSave}'`,
        'else',
        '  sed -i "s/role: bosss/role: group/" "$1"',
        'fi',
      ].join('\n') + '\n',
    );
    chmodSync(editor, 0o755);
    process.env['EDITOR'] = editor;
    expect(await run('tags', 'edit')).toBe(0);
    expect(err).toMatch(/churn-tags\.yaml line \d+: tables\.customers\.plan\.role: /);
    // the line named is the line of the bad value in the file the person saved
    const line = Number(/line (\d+):/.exec(err)?.[1]);
    expect(readFileSync(firstSave, 'utf8').split('\n')[line - 1]).toBe('      role: bosss');
    expect(out).toMatch(/^tags version \d+: \d+ changes?\n/);
    expect(readFileSync(rounds, 'utf8')).toBe('x\nx\n');
    expect(await run('tags', 'show', '--json')).toBe(0);
    const view = JSON.parse(out) as { columns: { table: string; column: string; role: string; state: string }[] };
    expect(view.columns.find((c) => c.column === 'plan')).toMatchObject({ role: 'group', state: 'confirmed' });

    // an editor that saves nothing changes nothing
    process.env['EDITOR'] = 'true';
    expect(await run('tags', 'edit')).toBe(0);
    expect(out).toBe('no change: the file was saved unchanged or empty\n');
    process.env['EDITOR'] = 'false';
    expect(await run('tags', 'edit')).toBe(2);
    expect(err).toMatch(/^autolab: the editor `false` failed \(exit 1\) — /);
  });

  it('writes the report as HTML to --out, or its content as JSON', async () => {
    const file = join(env.dir, 'out', 'churn-report.html');
    expect(await run('report', 'churn', '--out', file)).toBe(0);
    expect(out).toMatch(new RegExp(`^wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ KiB\\)\n$`));
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('id="autolab-report-charts"');
    // the chart libraries are inline (the browser test checks that nothing is fetched)
    expect(html).toContain('vegaEmbed');

    expect(await run('report', '--json')).toBe(0);
    const data = JSON.parse(out) as { reportVersion: number; project: string; tables: { name: string }[]; round2: { target: unknown } | null };
    expect(data).toMatchObject({ reportVersion: 1, project: 'churn' });
    expect(data.tables.map((t) => t.name)).toEqual(['customers', 'orders']);
    expect(data.round2?.target).toBeTruthy();

    const jsonFile = join(env.dir, 'out', 'churn.json');
    expect(await run('report', '--json', '--out', jsonFile)).toBe(0);
    expect((JSON.parse(readFileSync(jsonFile, 'utf8')) as { project: string }).project).toBe('churn');

    expect(await run('report', 'nope')).toBe(2);
    expect(err).toMatch(/^autolab: no project nope in the lab /);
    expect(await run('report', 'churn', '--project', 'other')).toBe(2);
    expect(err).toBe('autolab: two projects given: churn and --project other — name the project once\n');
    expect(existsSync(join(env.lab.root, '.autolab', 'reports', 'churn.html'))).toBe(true);
  });

  it('says what to do when there is nothing to explore yet', async () => {
    expect(await run('project', 'create', 'empty')).toBe(0);
    expect(await run('explore', 'empty')).toBe(1);
    expect(err).toBe('autolab: project empty has no bronze snapshots to explore yet — add a source and run `autolab ingest empty` first\n');
    expect(await run('tags', 'show', 'empty')).toBe(1);
    expect(err).toBe('autolab: project empty has no tags yet — run `autolab explore empty` first\n');
    expect(await run('report', 'empty')).toBe(1);
    expect(err).toBe('autolab: project empty has not been explored yet — run `autolab explore empty` first\n');
  });
});

describe('from files to tags through the real ingest', () => {
  it('ingests shipped CSVs, then explore finds their keys, relationship and personal data', async () => {
    const fixtures = join(startDir, 'test', 'fixtures', 'explore');
    const root = mkdtempSync(join(tmpdir(), 'autolab-explore-e2e-'));
    try {
      expect(await run('init', root)).toBe(0);
      process.chdir(root);
      expect(await run('source', 'add', 'customers', join(fixtures, 'customers.csv'))).toBe(0);
      expect(await run('source', 'add', 'orders', join(fixtures, 'orders.csv'))).toBe(0);
      expect(await run('ingest')).toBe(0);
      expect(await run('explore', '--json')).toBe(0);
      const summary = JSON.parse(out) as {
        tables: { name: string; rows: number }[];
        relationships: { from: string; to: string; cardinality: string }[];
        pii: { column: string; kind: string }[];
        candidateKeys: { table: string; columns: string[] }[];
      };
      expect(summary.tables.map((t) => [t.name, t.rows])).toEqual([
        ['customers', 300],
        ['orders', 1200],
      ]);
      expect(summary.relationships).toContainEqual(expect.objectContaining({ from: 'orders.customer_id', to: 'customers.customer_id', cardinality: 'one-to-many' }));
      const pii = new Map(summary.pii.map((p) => [p.column, p.kind]));
      expect(Object.fromEntries(['email', 'phone', 'ssn', 'iban', 'card_number'].map((c) => [c, pii.get(`customers.${c}`)]))).toEqual({
        email: 'email',
        phone: 'phone',
        ssn: 'national_id',
        iban: 'iban',
        card_number: 'payment_card',
      });
      expect(summary.candidateKeys).toContainEqual({ table: 'orders', columns: ['order_id'], confidence: expect.any(Number) as number });

      expect(await run('tags', 'set', 'customers.is_active', 'role=target')).toBe(0);
      expect(await run('tags', 'rel', 'orders.customer_id', 'customers.customer_id', 'confirmed')).toBe(0);
      expect(await run('explore')).toBe(0);
      expect(out).toMatch(/round 2 \(target customers\.is_active, binary\)/);
      expect(await run('report', '--json')).toBe(0);
      const report = JSON.parse(out) as { round2: { joins: { matchedShare: number }[] } };
      expect(report.round2.joins[0]?.matchedShare).toBeGreaterThan(0.9);
    } finally {
      process.chdir(startDir);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
