import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openLab } from '../../app/index.js';
import { captureOutput, err, out, run } from './cli.testutil.js';

captureOutput();

const work = mkdtempSync(join(tmpdir(), 'autolab-cli-test-'));
const startDir = process.cwd();
afterAll(() => {
  process.chdir(startDir);
  rmSync(work, { recursive: true, force: true });
});



function done(kind: string, project: string, detail: Record<string, unknown> = {}) {
  const at = new Date().toISOString();
  return { kind, project, inputs: {}, outputs: {}, status: 'done' as const, startedAt: at, finishedAt: at, cpuSeconds: 0, bytesWritten: 0, workerId: 'test', error: null, detail };
}

describe('autolab init, project, status, log', () => {
  it('walks a new lab from init to a verified log', async () => {
    const root = join(work, 'churn');
    expect(await run('init', root)).toBe(0);
    expect(out).toContain(`created a lab in ${root}`);
    expect(await run('init', root)).toBe(1);
    expect(err).toBe(`autolab: ${root} is already an autolab lab — use it as it is, or run \`autolab init\` in another folder\n`);

    process.chdir(root);
    expect(await run('project', 'create', 'fraud')).toBe(0);
    expect(await run('project', 'list', '--json')).toBe(0);
    expect((JSON.parse(out) as { name: string }[]).map((p) => p.name)).toEqual(['churn', 'fraud']);
    expect(await run('project', 'create', 'no good')).toBe(2);
    expect(err).toMatch(/^autolab: "no good" is not a valid project name/);

    expect(await run('status')).toBe(0);
    expect(out).toContain('project churn — 0 sources, 0 tables ingested (0 snapshots)');
    expect(out).toContain('  [ ] sources');
    expect(out).toContain('  [ ] silver\n  [ ] gold\n  [ ] trained\n  [ ] registered\n  [ ] approved');
    expect(out).toContain('  waits on you: add a source: autolab source add NAME URI --project churn');

    // what the ingest engineer's commands will record
    const lab = await openLab(root);
    try {
      const churn = await lab.catalog.getProject('churn');
      const source = await lab.catalog.addSource({ projectId: churn!.id, name: 'customers', kind: 'file', uri: '/data/c.csv', options: {}, credentialId: null });
      await lab.catalog.appendAction(done('source.add', 'churn', { source: 'customers' }));
      await lab.catalog.addSnapshot({ projectId: churn!.id, sourceId: source.id, tableName: 'customers', contentHash: 'h', lakeKey: 'k', rawHashes: [], rowCount: 7043, bytes: 10, schema: [], quality: {} });
      await lab.catalog.appendAction(done('ingest.table', 'churn', { table: 'customers', rows: 7043 }));
      await lab.catalog.appendAction({ ...done('ingest.table', 'fraud'), status: 'failed', error: 'no file /data/x.csv — check the path' });
    } finally {
      await lab.close();
    }

    expect(await run('status')).toBe(0);
    expect(out).toContain('project churn — 1 source, 1 table ingested (1 snapshot)');
    expect(out).toMatch(/\[x\] sources +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(out).toMatch(/\[x\] ingested/);
    expect(out).toContain('rows=7043 table=customers');
    expect(out).toContain('failed: ingest.table at');

    expect(await run('status', '--json')).toBe(0);
    const status = JSON.parse(out) as { projects: { project: string; stages: { stage: string; state: string }[]; next: { waitsOn: string } }[] };
    expect(status.projects.map((p) => p.project)).toEqual(['churn', 'fraud']);
    expect(status.projects[0]?.stages.slice(0, 3).map((s) => s.state)).toEqual(['done', 'done', 'todo']);

    expect(await run('log', '--project', 'churn', '--json')).toBe(0);
    expect((JSON.parse(out) as { kind: string }[]).map((a) => a.kind)).toEqual(['project.create', 'source.add', 'ingest.table']);
    expect(await run('log', '--kind', 'ingest.table', '--limit', '1')).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(2);
    expect(out).toContain('no file /data/x.csv');
    expect(await run('log', '--project', 'nope')).toBe(2);
    expect(err).toContain('no project nope');

    // with two projects, each command says how it takes one: its flag, else its argument
    expect(await run('tags')).toBe(2);
    expect(err).toBe('autolab: the lab has 2 projects; say which with --project — projects: churn, fraud\n');
    expect(await run('ingest')).toBe(2);
    expect(err).toBe('autolab: the lab has 2 projects; say which as in `autolab ingest PROJECT` — projects: churn, fraud\n');
    expect(await run('log', '--limit', 'x')).toBe(2);
    // numeric flags are checked before they reach SQL: no internal error on any of these
    for (const [limit, message] of [
      ['99999999999999999999', "--limit '99999999999999999999' is too large — give at most 9007199254740991"],
      ['-3', "--limit '-3' is not a positive whole number"],
      ['2.5', "--limit '2.5' is not a positive whole number"],
      ['1e400', "--limit '1e400' is not a positive whole number"],
      ['', "--limit '' is not a positive whole number"],
    ] as const) {
      expect(await run('log', '--limit', limit)).toBe(2);
      expect(err).toBe(`autolab: ${message}\n`);
    }

    expect(await run('log', '--verify')).toBe(0);
    expect(out).toBe("the action log is intact: 6 entries, hash chain verified, sealed with the lab's key\n");

    // someone edits the catalog by hand
    const db = new Database(join(root, '.autolab', 'catalog.sqlite'));
    db.prepare("update actions set detail = '{\"rows\":1}' where seq = 5").run();
    db.close();
    expect(await run('log', '--verify')).toBe(1);
    expect(err).toMatch(/^autolab: the action log is broken at entry 5: entry 5 was edited after it was written \(its seal does not match the lab's key\) — /);
    expect(await run('log', '--verify', '--json')).toBe(1);
    expect(out.split('\n')).toHaveLength(2);
    expect(JSON.parse(out)).toMatchObject({ error: 'the action log is broken at entry 5: entry 5 was edited after it was written (its seal does not match the lab\'s key)', exit: 1, kind: 'LabError', result: { ok: false, brokenAt: 5 } });
    expect(err).toBe('');

    // a row that is not even JSON any more: one line each, never an internal error
    const db2 = new Database(join(root, '.autolab', 'catalog.sqlite'));
    db2.prepare("update actions set detail = '{\"rows\":' where seq = 5").run();
    db2.prepare("update snapshots set columns = '[{\"name\"' where id = 1").run();
    db2.close();
    expect(await run('log', '--verify')).toBe(1);
    expect(err).toMatch(/^autolab: the action log is broken at entry 5: entry 5 is damaged: its detail is not valid JSON — [^\n]*\n$/);
    expect(await run('log')).toBe(1);
    expect(err).toMatch(/^autolab: the catalog is damaged: the action log's entry 5 has a detail value that is not valid JSON of its kind — restore the catalog from a backup[^\n]*\n$/);
    expect(await run('status')).toBe(1);
    expect(err).toMatch(/^autolab: the catalog is damaged: [^\n]*\n$/);
    expect(await run('explore', 'churn')).toBe(1);
    expect(err).toMatch(/^autolab: the catalog is damaged: snapshots row 1 has a columns value that is not valid JSON of its kind — [^\n]*\n$/);
  });

  it('outside a lab, says so in one line', async () => {
    const outside = join(work, 'not-a-lab');
    mkdirSync(outside);
    process.chdir(outside);
    for (const argv of [['status'], ['log'], ['project', 'list']]) {
      expect(await run(...argv)).toBe(1);
      expect(err).toBe(`autolab: no autolab lab in ${outside} or its parents — run \`autolab init\` there first\n`);
    }
  });
});

const binary = fileURLToPath(new URL('../../../bin/autolab.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../../dist/cli/commands/lab-commands.js', import.meta.url)));

describe.skipIf(!built)(`the built command line${built ? '' : ' (skipped: dist/ not built — run npm run build)'}`, () => {
  it('runs init and status as a child process', async () => {
    vi.restoreAllMocks();
    const root = join(work, 'child');
    const exec = promisify(execFile);
    const init = await exec(process.execPath, [binary, 'init', root, '--json']);
    expect(JSON.parse(init.stdout)).toMatchObject({ root, project: 'child' });
    const status = await exec(process.execPath, [binary, 'status'], { cwd: root });
    expect(status.stdout).toContain('project child — 0 sources');
    expect(status.stderr).toBe('');
    const failed = await exec(process.execPath, [binary, 'status'], { cwd: work }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toBe(`autolab: no autolab lab in ${work} or its parents — run \`autolab init\` there first\n`);
  });
});
