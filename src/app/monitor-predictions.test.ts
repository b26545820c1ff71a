/**
 * Drift and realised performance over the prediction log, end to end: a real server in a lab scores
 * customers (an unshifted block, then a shifted one), its log is flushed into the lake, outcomes come
 * back for part of them through POST /feedback and for the rest from a file, and the monitor's
 * realised figures are checked against a hand computation from the answers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput, err, out, run } from '../cli/commands/cli.testutil.js';
import { serveOptionsShape, startServing } from '../serve/index.js';
import { confirmDemoTarget, setUpDemo } from './demo.js';
import { loadFeedbackFile } from './feedback.js';
import { writeModelCard } from './model-card.js';
import { approveModel, promoteModel } from './models.js';
import { labStatus } from './status.js';
import { setTags } from './tags.js';
import { monitorPredictionLog } from './monitor-predictions.js';
import { runProject } from './run.js';
import { deploymentFileOf, projectDeployment, writeDeploymentFile } from './serve-project.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-monitor-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BLOCK = 120;

captureOutput();

/** A CSV line split on commas outside quotes (the demo file quotes its text, never with commas inside). */
function cells(line: string): string[] {
  return line.split(',').map((c) => c.replace(/^"|"$/g, ''));
}

/** Hand computation: accuracy of the argmax, and ROC AUC as the share of (positive, negative) pairs ranked right (ties half). */
function handMetrics(truth: readonly string[], predicted: readonly string[], positiveScore: readonly number[], positive: string): { accuracy: number; auc: number } {
  const accuracy = truth.filter((t, i) => t === predicted[i]).length / truth.length;
  let pairs = 0;
  let right = 0;
  truth.forEach((a, i) => {
    if (a !== positive) return;
    truth.forEach((b, j) => {
      if (b === positive) return;
      pairs++;
      right += positiveScore[i]! > positiveScore[j]! ? 1 : positiveScore[i] === positiveScore[j] ? 0.5 : 0;
    });
  });
  return { accuracy, auc: right / pairs };
}

interface Answer {
  predictions: { id: string; prediction: string; probabilities: Record<string, number> }[];
}

describe('monitoring over the prediction log, with feedback', () => {
  it('finds the shifted block and not the unshifted one, and computes realised accuracy and AUC per window from outcomes sent by HTTP and by file', async () => {
    const { lab, project } = await setUpDemo(join(dir, 'lab'));
    try {
      await runProject(lab, project, { trials: 1 });
      await confirmDemoTarget(lab, project);
      await runProject(lab, project, { trials: 1 });
      await approveModel(lab, 'churn', 1, { by: 'test' });
      await promoteModel(lab, 'churn', 1, 'production');
      expect(await monitorPredictionLog(lab, project)).toMatchObject({ result: null, why: expect.stringMatching(/no predictions logged yet/) });

      const file = deploymentFileOf(lab, 'churn');
      await writeDeploymentFile(file, (await projectDeployment(lab, 'churn')).deployment);
      const serving = await startServing(serveOptionsShape.parse({ deploymentFile: file, labRoot: lab.root, port: 0, host: '127.0.0.1', workers: 1, logFlushMs: 600_000, humility: { outlying: { action: 'flag' } } }));
      const lines = readFileSync(join(lab.root, 'data', 'customers.csv'), 'utf8').trim().split('\n');
      const header = cells(lines[0]!);
      const churn = header.indexOf('churn');
      const rows = lines.slice(1, 1 + 2 * BLOCK).map(cells);
      // the second block moved: charges five times higher, tenure past anything seen, every category one value
      const shifted = rows.slice(BLOCK).map((r) =>
        r.map((v, j) => {
          const name = header[j]!;
          if (name === 'churn') return v;
          if (['tenure', 'monthly_charges', 'total_charges'].includes(name)) return String(Number(v) * 5 + 400);
          return Number.isFinite(Number(v)) ? v : (rows[0]![j] ?? v);
        }),
      );
      const blocks = [rows.slice(0, BLOCK), shifted];
      const answers: Answer[] = [];
      let feedbackFile = 'id,outcome\n';
      try {
        const url = `http://127.0.0.1:${serving.port}`;
        for (const block of blocks) {
          const body = [lines[0]!, ...block.map((r) => r.map((v) => (v.trim() !== '' && Number.isFinite(Number(v)) ? v : `"${v}"`)).join(','))].join('\n');
          const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body });
          expect(response.status).toBe(200);
          answers.push((await response.json()) as Answer);
        }
        // bad feedback: 400 naming the field
        for (const [body, field] of [[{ outcome: 'Yes' }, 'id'], [{ id: 'x' }, 'outcome'], [{ id: 'x', key: 'k', outcome: 'No' }, 'key'], [{ id: { a: 1 }, outcome: 'No' }, 'id'], [[], 'body']] as const) {
          const refused = await fetch(`${url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          expect(refused.status).toBe(400);
          expect(((await refused.json()) as { field: string }).field).toBe(field);
        }
        // outcomes of the first half of each block by HTTP (one by one and in a list), the rest from a file
        for (const [b, answer] of answers.entries()) {
          const truth = blocks[b]!.map((r) => r[churn]!);
          const half = answer.predictions.slice(0, BLOCK / 2).map((p, i) => ({ id: p.id, outcome: truth[i]! }));
          const single = await fetch(`${url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(half[0]) });
          expect(await single.json()).toEqual({ recorded: 1 });
          const listed = await fetch(`${url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback: half.slice(1) }) });
          expect(await listed.json()).toEqual({ recorded: BLOCK / 2 - 1 });
          answer.predictions.slice(BLOCK / 2).forEach((p, i) => (feedbackFile += `${p.id},${truth[BLOCK / 2 + i]}\n`));
        }
      } finally {
        await serving.close();
      }
      writeFileSync(join(dir, 'outcomes.csv'), feedbackFile);
      expect(await loadFeedbackFile(lab, project, join(dir, 'outcomes.csv'))).toMatchObject({ rows: BLOCK });
      writeFileSync(join(dir, 'bad.csv'), 'id,outcome\nabc,Yes\n,No\n');
      await expect(loadFeedbackFile(lab, project, join(dir, 'bad.csv'))).rejects.toThrow(/row 2: feedback needs 'id'/);

      const monitored = await monitorPredictionLog(lab, project, { every: BLOCK });
      if (!monitored.result) throw new Error(monitored.why);
      const { result } = monitored;
      expect(result.current).toMatchObject({ requests: 2, rows: 2 * BLOCK });
      expect(result.feedback).toMatchObject({ outcomes: 2 * BLOCK, matched: 2 * BLOCK, unknownOutcomes: 0 });
      expect(result.windows.map((w) => [w.label, w.rows])).toEqual([['#1', BLOCK], ['#2', BLOCK]]);
      // the humility rule's flags came with the answers, into the log, and per window into the check:
      // the first block is training rows (inside every range), the second's tenure is past anything seen
      const flagsOf = (answer: Answer) => answer.predictions.map((p) => (p as { humility?: string[] }).humility ?? null);
      expect(flagsOf(answers[0]!).every((f) => f !== null && f.length === 0)).toBe(true);
      expect(flagsOf(answers[1]!).every((f) => f !== null && f.includes('outlying:tenure'))).toBe(true);
      expect(result.windows.map((w) => w.humility)).toEqual([{}, { outlying: BLOCK }]);
      expect(result.humility).toEqual({ outlying: BLOCK });
      const [quiet, moved] = result.windows;
      expect(quiet!.drift.datasetDrift).toBe(false);
      expect(moved!.drift.datasetDrift).toBe(true);
      for (const column of ['tenure', 'monthly_charges', 'contract']) expect(moved!.drift.columns.find((c) => c.column === column)?.drifted).toBe(true);
      expect(quiet!.drift.columns.find((c) => c.column === 'tenure')?.drifted).toBe(false);

      const classes = Object.keys(answers[0]!.predictions[0]!.probabilities);
      const positive = classes[1]!;
      for (const [b, window] of result.windows.entries()) {
        const truth = blocks[b]!.map((r) => r[churn]!);
        const predictions = answers[b]!.predictions;
        const hand = handMetrics(truth, predictions.map((p) => p.prediction), predictions.map((p) => p.probabilities[positive]!), positive);
        const realised = window.realised!;
        expect(realised.rows).toBe(BLOCK);
        expect(realised.metrics['accuracy']!.value).toBeCloseTo(hand.accuracy, 12);
        expect(realised.metrics['auc']!.value).toBeCloseTo(hand.auc, 9);
        for (const m of Object.values(realised.metrics)) {
          expect(m.low!).toBeLessThanOrEqual(m.value!);
          expect(m.high!).toBeGreaterThanOrEqual(m.value!);
          expect(m.holdout).not.toBeNull();
        }
        expect(window.estimated!.accuracy).toBeGreaterThan(0.5);
      }
      // the production version's probabilities checked on its holdout before CBPE; rescaled only when off
      expect(result.calibration).toMatch(/^(calibrated|miscalibrated): ECE 0\.\d{3} on \d+ holdout rows/);
      const calibrator = result.calibrationCheck?.calibrator ?? null;
      for (const window of result.windows) expect(window.estimated!.uncalibrated === undefined).toBe(calibrator === null);
      // autolab run checks the log (new files), and checks it again only when something new came
      await runProject(lab, project, { trials: 1 });
      const [check] = await lab.catalog.listActions({ project: 'churn', kind: 'monitor.predictions', status: 'done', limit: 1 });
      expect(check?.detail).toMatchObject({ version: 1, rows: 2 * BLOCK, windows: 1, outcomes: 2 * BLOCK });
      await runProject(lab, project, { trials: 1 });
      expect(await lab.catalog.listActions({ project: 'churn', kind: 'monitor.predictions', status: 'done', limit: 10 })).toHaveLength(1);

      // later outcomes for the shifted block, every one the opposite of the truth: the latest outcome
      // of a prediction counts, realised accuracy falls below the holdout's interval, an alert is raised
      const flipped = answers[1]!.predictions.map((p, i) => `${p.id},${blocks[1]![i]![churn] === classes[0] ? classes[1] : classes[0]}`);
      writeFileSync(join(dir, 'later.csv'), `id,outcome\n${flipped.join('\n')}\n`);
      await new Promise((r) => setTimeout(r, 5));
      await loadFeedbackFile(lab, project, join(dir, 'later.csv'));
      const later = await monitorPredictionLog(lab, project, { every: BLOCK });
      const truthB = blocks[1]!.map((r) => r[churn]!);
      const handB = handMetrics(truthB, answers[1]!.predictions.map((p) => p.prediction), answers[1]!.predictions.map((p) => p.probabilities[positive]!), positive);
      expect(later.result?.windows[1]?.realised?.metrics['accuracy']?.value).toBeCloseTo(1 - handB.accuracy, 12);
      expect(later.result?.feedback).toMatchObject({ outcomes: 3 * BLOCK, matched: 2 * BLOCK });
      expect(later.result?.realised?.metrics['accuracy']?.belowHoldout).toBe(true);
      await runProject(lab, project, { trials: 1 });
      const [alert] = await lab.catalog.listActions({ project: 'churn', kind: 'monitor.alert', status: 'done', limit: 1 });
      expect(alert?.unit).toBe('predictions');
      expect(String(alert?.detail['message'])).toMatch(/^version 1's realised performance on 240 predictions with outcomes is below its holdout: accuracy /);
      const churnStatus = (await labStatus(lab)).projects.find((p) => p.project === 'churn');
      expect(churnStatus?.alert?.message).toMatch(/below its holdout: accuracy .*: autolab monitor churn --source predictions$/);
      // version 1's card: both checks of its log as drift seen so far, accuracy below the holdout only in the later one
      const seen = (await writeModelCard(lab, 'churn', 1, { out: join(dir, 'card-v1.html') })).card.limitations.drift;
      expect(seen.map((d) => [d.source, d.against, d.rows])).toEqual([['predictions', 'the prediction log', 2 * BLOCK], ['predictions', 'the prediction log', 2 * BLOCK]]);
      const accuracyBelow = /^accuracy [0-9.]+ \[[0-9.]+, [0-9.]+\] against the holdout's /;
      expect(seen.map((d) => d.belowHoldout.some((m) => accuracyBelow.test(m)))).toEqual([false, true]);

      // the command line: the table of windows, realised beside estimated; flags checked; a bad file refused in one line
      process.chdir(lab.root);
      expect(await run('monitor', 'churn', '--source', 'predictions', '--every', String(BLOCK))).toBe(0);
      expect(out).toMatch(/^churn: prediction log of version 1 \(240 predictions in 2 requests\)/);
      expect(out).toMatch(/accuracy \(estimated\)/);
      expect(out).toMatch(/\n#2 .* outlying 120\n/);
      expect(out).toMatch(/\nhumility rules fired \(records per rule\): outlying 120\n/);
      expect(out).toMatch(/\n#2 .* yes .*accuracy [0-9.]+ \[[0-9.]+, [0-9.]+\] BELOW holdout/);
      expect(await run('monitor', 'report', 'churn', '--source', 'predictions', '--every', String(BLOCK), '--json')).toBe(0);
      const report = JSON.parse(out) as { path: string };
      expect(report.path).toBe(join(lab.root, '.autolab', 'reports', 'churn-predictions.html'));
      const html = readFileSync(report.path, 'utf8');
      expect(html).toMatch(/prediction log of version 1/);
      expect(html).toMatch(/<tr><td>#2<\/td>.*?<td>outlying 120<\/td><\/tr>/);
      expect(html.match(/<tr><td>#\d<\/td>/g)).toHaveLength(2);
      expect(html).toMatch(/<tr><td>#2<\/td>.*?<span class="badge warn">drifted<\/span>.*?below holdout/);
      const specs = JSON.parse(/<script type="application\/json" id="autolab-report-charts">(.*?)<\/script>/s.exec(html)![1]!) as Record<string, Record<string, unknown>>;
      expect(Object.keys(specs)).toHaveLength(1);
      // the chart compiles (Vega-Lite) and draws (Vega, to SVG), as the page's vega-embed would
      for (const spec of Object.values(specs)) {
        const svg = await new View(parse(compile({ ...spec, width: 600 } as unknown as TopLevelSpec).spec), { renderer: 'none' }).toSVG();
        expect(svg).toMatch(/^<svg/);
      }
      expect(await run('monitor', 'churn', '--source', 'predictions', '--every', '0')).toBe(2);
      expect(err).toMatch(/--every '0' is not a positive whole number/);
      expect(await run('monitor', 'churn', '--since', '2026-01-01')).toBe(2);
      expect(await run('feedback', 'churn', join(dir, 'bad.csv'))).toBe(1);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(await run('feedback', 'churn', join(dir, 'outcomes.csv'), '--json')).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ rows: BLOCK });

      // the window of a later --since holds nothing of these requests
      expect(await monitorPredictionLog(lab, project, { since: new Date(Date.now() + 60_000).toISOString() })).toMatchObject({ result: null });

      // an outcome by key: the column tagged id (here total_charges) names the record; later than the
      // outcome by id, it replaces it for the prediction of that record
      await setTags(lab.catalog, project, 'customers.total_charges', ['role=id']);
      const charges = header.indexOf('total_charges');
      const blockA = blocks[0]!;
      const unique = blockA.findIndex((r) => blockA.filter((o) => o[charges] === r[charges]).length === 1);
      expect(unique).toBeGreaterThanOrEqual(0);
      const truthA = blockA.map((r) => r[churn]!);
      const flippedA = truthA.map((t, i) => (i === unique ? (t === classes[0] ? classes[1]! : classes[0]!) : t));
      writeFileSync(join(dir, 'by-key.csv'), `key,outcome\n${blockA[unique]![charges]},${flippedA[unique]}\n`);
      await new Promise((r) => setTimeout(r, 5));
      await loadFeedbackFile(lab, project, join(dir, 'by-key.csv'));
      const byKey = await monitorPredictionLog(lab, project, { every: BLOCK });
      const predictionsA = answers[0]!.predictions;
      const handA = handMetrics(flippedA, predictionsA.map((p) => p.prediction), predictionsA.map((p) => p.probabilities[positive]!), positive);
      expect(byKey.result?.windows[0]?.realised?.metrics['accuracy']?.value).toBeCloseTo(handA.accuracy, 12);
      expect(byKey.result?.windows[0]?.realised?.metrics['auc']?.value).toBeCloseTo(handA.auc, 9);

      // an outcome the model has no class for is counted, and left out of the metrics
      writeFileSync(join(dir, 'unknown.csv'), `id,outcome\n${predictionsA[unique === 0 ? 1 : 0]!.id},Maybe\n`);
      await new Promise((r) => setTimeout(r, 5));
      await loadFeedbackFile(lab, project, join(dir, 'unknown.csv'));
      const unknown = await monitorPredictionLog(lab, project, { every: BLOCK });
      expect(unknown.result?.feedback.unknownOutcomes).toBe(1);
      expect(unknown.result?.windows[0]?.realised?.rows).toBe(BLOCK - 1);
    } finally {
      await lab.close();
    }
  }, 300_000);
});
