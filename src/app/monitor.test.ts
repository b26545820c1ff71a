import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput, out, run } from '../cli/commands/cli.testutil.js';
import { exploreProject } from './explore.js';
import { ingestProject } from './ingest.js';
import { initLab, openLab } from './lab.js';
import { lastMonitorResult, monitorProject } from './monitor.js';
import { resolveProject } from './project.js';
import { runProject } from './run.js';
import { addSource } from './sources.js';
import { labStatus } from './status.js';
import { seattleByYear } from './seattle.testutil.js';
import { setTags } from './tags.js';

captureOutput();
const dir = mkdtempSync(join(tmpdir(), 'autolab-monitor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('monitoring on real data: seattle-weather, trained on 2012–2013, fed 2014 then 2015', () => {
  it('flags the columns that moved, estimates performance, and runs in autolab run only when a snapshot or the model changes', async () => {
    const years = seattleByYear();
    const csv = join(dir, 'weather.csv');
    const write = (...ys: string[]) => writeFileSync(csv, [years.get(ys[0]!)![0], ...ys.flatMap((y) => years.get(y)!.slice(1))].join('\n') + '\n');
    write('2012', '2013');
    // a real HTTP server takes the drift alerts' webhook POSTs
    const posts: { path: string; type: string; body: Record<string, unknown> }[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        posts.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    process.env['AUTOLAB_TEST_HOOK'] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/drift`;
    await (await initLab(join(dir, 'lab'), { project: 'w' })).close();
    appendFileSync(join(dir, 'lab', 'autolab.yaml'), 'monitor:\n  webhook: ${env:AUTOLAB_TEST_HOOK}\n');
    const lab = await openLab(join(dir, 'lab'));
    try {
      await addSource(lab, 'w', 'weather', csv, { cwd: dir });
      const project = await resolveProject(lab, 'w');
      expect((await runProject(lab, project, { trials: 2 })).waitsOn).toMatch(/confirm the target/);
      await setTags(lab.catalog, project, 'weather.weather', ['role=target']);
      await setTags(lab.catalog, project, 'weather.date', ['role=time']);
      const trained = await runProject(lab, project, { trials: 2 });
      expect(trained.train?.result).not.toBeNull();
      expect(await lastMonitorResult(lab, project)).toMatchObject({ result: null, why: expect.stringMatching(/no snapshot of weather newer/) });

      const feed = async (year: string) => {
        write(year);
        await ingestProject(lab, 'w');
        await exploreProject(lab, project);
        const out = await monitorProject(lab, project);
        if (!out.result) throw new Error(out.why);
        return out.result;
      };
      const y2014 = await feed('2014');
      const y2015 = await feed('2015');
      for (const r of [y2014, y2015]) {
        expect(r.reference.rows).toBe(731);
        expect(r.model.snapshotVersion).toBe(1);
        expect(r.window).toEqual({ column: 'date', period: 'month' });
        expect(r.windows).toHaveLength(12);
        // the time column is the window's key, not a compared column
        expect(r.drift.columns.map((c) => c.column).sort()).toEqual(['precipitation', 'temp_max', 'temp_min', 'wind']);
        for (const c of r.drift.columns) expect(c.test).toBe('ks'); // 731 reference rows
        expect(r.performance.estimated?.kind).toBe('estimated');
        expect(r.performance.calibration).toMatch(/^(calibrated|miscalibrated): ECE 0\.\d{3} on 731 holdout rows/);
      }
      // each check that found drift raised one alert: in the log, and POSTed as JSON to the webhook
      expect(posts).toHaveLength(2);
      expect(posts[0]).toMatchObject({ path: '/hooks/drift', type: 'application/json', body: { kind: 'autolab.drift', project: 'w', table: 'weather', currentVersion: 2, referenceVersion: 1, drifted: ['temp_max', 'temp_min', 'wind'] } });
      expect(posts[1]?.body).toMatchObject({ currentVersion: 3, drifted: ['temp_max', 'temp_min'] });
      const alerts = await lab.catalog.listActions({ project: 'w', kind: 'monitor.alert', status: 'done' });
      expect(alerts.map((a) => a.detail['webhook'])).toEqual([expect.stringMatching(/^posted to 127\.0\.0\.1:\d+ \(HTTP 204\)$/), expect.stringMatching(/HTTP 204/)]);
      expect(JSON.stringify(alerts)).not.toContain('/hooks/drift');
      const status = (await labStatus(lab)).projects.find((p) => p.project === 'w')!;
      expect(status.alert?.message).toMatch(/^weather v3 drifted from the model's training rows \(v1\): 2 of 4 columns \(temp_max, temp_min\): autolab monitor w$/);

      const drifted = (r: typeof y2014) => r.drift.columns.filter((c) => c.drifted).map((c) => c.column).sort();
      // the figures as recorded: temperatures moved in both years (2014 and 2015 were warm), wind in 2014
      expect(drifted(y2014)).toEqual(['temp_max', 'temp_min', 'wind']);
      expect(drifted(y2015)).toEqual(['temp_max', 'temp_min']);
      expect(y2014.drift).toMatchObject({ driftedShare: 0.75, datasetDrift: true });
      expect(y2015.drift).toMatchObject({ driftedShare: 0.5, datasetDrift: true });
      // by hand, on the CSV's own values (silver leaves these numbers as they are), with scipy 1.17.1:
      //   stats.ks_2samp(temp_max of 2012–2013, temp_max of 2014) → statistic 0.10505781159230178, p 0.00814047343656814
      //   the same for wind → 0.08959391338567922, p 0.03739862715393963; precipitation 2015 → p 0.41928764743553737
      const col = (r: typeof y2014, name: string) => r.drift.columns.find((c) => c.column === name)!;
      expect(col(y2014, 'temp_max').ksStatistic).toBeCloseTo(0.10505781159230178, 12);
      expect(col(y2014, 'temp_max').statistic).toBeCloseTo(0.00814047343656814, 10);
      expect(col(y2014, 'wind').statistic).toBeCloseTo(0.03739862715393963, 10);
      expect(col(y2015, 'precipitation').statistic).toBeCloseTo(0.41928764743553737, 10);
      // the model's outputs moved too (more confident, other classes), and the weighting says how much it matters
      expect(y2014.prediction.columns.find((c) => c.column === 'score')?.drifted).toBe(true);
      expect(y2014.drift.weightedDriftScore).toBeGreaterThan(0);
      expect(y2014.drift.weightedDriftScore).toBeLessThan(y2014.drift.driftedShare);
      // per window: CBPE on each month's rows, and the realised figure beside it (the snapshot holds the labels)
      expect(y2015.windows.reduce((n, w) => n + (w.estimated?.rows ?? 0), 0)).toBe(365);
      expect(y2015.windows.reduce((n, w) => n + (w.realised?.rows ?? 0), 0)).toBe(365);
      expect(y2015.windows[0]).toMatchObject({ start: '2015-01-01', estimated: { kind: 'estimated', rows: 31 }, realised: { rows: 31 } });
      // the 2015 snapshot holds the labels: the estimate (CBPE) misses the drop that a change in labelling brings
      expect(y2015.performance.realised!.accuracy).toBeLessThan(y2015.performance.estimated!.accuracy - 0.05);
      console.log(
        `seattle-weather vs 2012–2013: 2014 drifted ${drifted(y2014).join(', ')} (share ${y2014.drift.driftedShare}, weighted ${y2014.drift.weightedDriftScore?.toFixed(3)}); ` +
          `2015 drifted ${drifted(y2015).join(', ')} (share ${y2015.drift.driftedShare}, weighted ${y2015.drift.weightedDriftScore?.toFixed(3)}); ` +
          `2015 accuracy estimated ${y2015.performance.estimated!.accuracy.toFixed(3)}, realised ${y2015.performance.realised!.accuracy.toFixed(3)}`,
      );
      const gaps = (r: typeof y2014) =>
        r.windows.map((w) => `${w.start.slice(0, 7)} realised ${w.realised!.accuracy.toFixed(3)} estimated ${w.estimated!.accuracy.toFixed(3)} (own probabilities ${(w.estimated!.uncalibrated ?? w.estimated!).accuracy.toFixed(3)})`);
      console.log(`calibration: ${y2014.performance.calibration}\n2014:\n${gaps(y2014).join('\n')}\n2015:\n${gaps(y2015).join('\n')}`);

      // the command line: the table, --json, and the HTML dashboard (the last check, reused)
      const cwd = process.cwd();
      process.chdir(join(dir, 'lab'));
      expect(await run('monitor', 'w')).toBe(0);
      expect(out).toContain('weather v3 (365 rows) against the model trained on v1 (731 rows) — unchanged since the last check');
      expect(out).toMatch(/^temp_max\s+ks\s+0\.0025\s+0\.0500\s+yes\s/m);
      expect(out).toContain('dataset drift: yes — 2 of 4 columns drifted (50.0%; threshold 50.0%)');
      expect(out).toMatch(/accuracy \d+\.\d% \(estimated\)/);
      expect(await run('monitor', 'w', '--json')).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ ran: false, result: { drift: { driftedColumns: 2 }, current: { snapshotVersion: 3 } } });
      const page = join(dir, 'monitor.html');
      expect(await run('monitor', 'report', 'w', '--out', page)).toBe(0);
      const html = readFileSync(page, 'utf8');
      for (const id of ['verdict', 'columns', 'windows', 'predictions', 'performance']) expect(html).toContain(`<section id="${id}">`);
      const specs = JSON.parse(/<script type="application\/json" id="autolab-report-charts">(.*?)<\/script>/s.exec(html)![1]!) as Record<string, Record<string, unknown>>;
      expect(Object.keys(specs)).toHaveLength(5);
      // every chart compiles (Vega-Lite) and draws (Vega, to SVG), as the page's vega-embed would
      for (const spec of Object.values(specs)) {
        const sized = { ...spec, width: 600 } as unknown as TopLevelSpec;
        const svg = await new View(parse(compile(sized).spec), { renderer: 'none' }).toSVG();
        expect(svg).toMatch(/^<svg/);
      }
      expect(await run('status')).toBe(0);
      expect(out).toMatch(/^ {2}alert: weather v3 drifted from the model's training rows \(v1\): 2 of 4 columns \(temp_max, temp_min\): autolab monitor w \(/m);
      // training's fold workers load TypeScript relative to the working folder
      process.chdir(cwd);

      // in autolab run: training catches up on 2015, and monitoring is the same pair (2015 against the
      // model trained before it): reused, not redone; a second run does nothing
      const monitored = async () => (await lab.catalog.listActions({ project: 'w', kind: 'monitor.drift', status: 'done' })).length;
      expect(await monitored()).toBe(2);
      const caughtUp = await runProject(lab, project, { trials: 2 });
      expect(caughtUp.train?.snapshotVersion).toBe(3);
      expect(caughtUp.stale.map((s) => s.stage)).not.toContain('monitor.drift');
      expect(await monitored()).toBe(2);
      expect((await runProject(lab, project, { trials: 2 })).ran).toBe(0);
      // a new snapshot: the run trains on it and monitors it against the model of 2015
      write('2012');
      const again = await runProject(lab, project, { trials: 2 });
      expect(again.stale.map((s) => s.stage)).toContain('monitor.drift');
      expect(again.monitor).toMatchObject({ table: 'weather', referenceVersion: 3, currentVersion: 4 });
      expect(caughtUp.monitor).toBeNull();
      const last = await lastMonitorResult(lab, project);
      expect(last.result?.model.snapshotVersion).toBe(3);
      expect(last.result?.current.snapshotVersion).toBe(4);

      // a snapshot without a column the model uses: one line saying which, and what to do
      writeFileSync(csv, years.get('2013')!.map((line) => line.split(',').filter((_, i) => i !== 4).join(',')).join('\n') + '\n');
      await ingestProject(lab, 'w');
      await exploreProject(lab, project);
      await expect(monitorProject(lab, project)).rejects.toThrow(/^snapshot v5 of weather lacks column wind that the model uses — bring it back in the source, or let autolab run w train on the new shape$/);
    } finally {
      await lab.close();
      server.close();
      delete process.env['AUTOLAB_TEST_HOOK'];
    }
  });
});
