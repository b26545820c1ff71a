import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundle, predictFile } from '../automl/index.js';
import type { ProjectRecord } from '../catalog/index.js';
import { textColumnsOf } from '../features/index.js';
import { rocAuc } from '../learn/index.js';
import { exportTable } from './export.js';
import { exploreProject } from './explore.js';
import { ingestProject } from './ingest.js';
import { buildSilverTables } from './silver.js';
import { goldFeaturesOf } from './gold-features.js';
import { CONFIG_FILE } from './lab-config.js';
import { initLab, openLab } from './lab.js';
import type { Lab } from './lab-types.js';
import { createProject, resolveProject } from './project.js';
import type { ModelLineage } from '../registry/index.js';
import { runProject, type RunOutcome } from './run.js';
import { addSource } from './sources.js';
import { currentAggregates } from './stages/aggregates-stage.js';
import { currentGold } from './stages/gold-stage.js';
import { acceptTags, setTags } from './tags.js';
import { setKnownAtTag, setTargetExpressionTag } from './target-expression.js';

/**
 * Real data, end to end: the flights of vega-datasets (20,000 in the first quarter of 2001) and
 * the airports they leave from and fly to. The target is an expression, `delay > 15`, cut off at
 * the flight's date; the model learns from the first 80 % of the flights by date and scores the
 * last 20 %, held out, as new rows — from the flights' own columns alone; from the flights alone
 * with each origin's and destination's earlier flights (entities that exist only as a repeated
 * value); and with the airports and each airport's flights before the one scored.
 */

// the package's own folder, beside this repository's other dependencies
const data = join(fileURLToPath(new URL('../../node_modules/vega-datasets/data', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'autolab-gold-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Flight {
  readonly date: string;
  readonly delay: number;
  readonly distance: number;
  readonly origin: string;
  readonly destination: string;
}

async function tagFlights(lab: Lab, project: ProjectRecord): Promise<void> {
  await acceptTags(lab.catalog, project, 0);
  // airport codes repeat across flights: categories to learn from, not identifiers
  await setTags(lab.catalog, project, 'flights.origin', ['role=feature']);
  await setTags(lab.catalog, project, 'flights.destination', ['role=feature']);
  await setTargetExpressionTag(lab, project, 'flights.late', 'delay > 15', 'date');
  // a flight's delay is known once it has left, not at its scheduled time
  await setKnownAtTag(lab, project, 'flights.date', 'date + to_minutes(CAST(delay AS BIGINT))');
}

async function heldOutAuc(lab: Lab, run: RunOutcome, heldOut: string, labels: Float64Array): Promise<number> {
  const { model } = loadBundle(run.train!.bundleDir);
  const gold = model.manifest.gold!;
  const out = join(dir, `${run.project}-predictions.csv`);
  const scored = await predictFile(model, heldOut, out, {
    replace: true,
    frameOf: (path) => goldFeaturesOf(lab, gold, model.manifest.clean, path, textColumnsOf(model.manifest.pipeline)),
  });
  expect(scored.rows).toBe(labels.length);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const column = header.indexOf('proba_true');
  expect(column).toBeGreaterThan(0);
  return rocAuc(labels, lines.slice(1).map((l) => Number(l.split(',')[column])));
}

/** A project of the flights alone (made already), tagged as the relational one, through to a model. */
async function flightsAlone(lab: Lab, name: string): Promise<RunOutcome> {
  await addSource(lab, name, 'flights', join(dir, 'flights.json'), { cwd: dir });
  const project = await resolveProject(lab, name);
  await runProject(lab, project, { trials: 2 });
  await tagFlights(lab, project);
  const run = await runProject(lab, project, { trials: 2, seed: 1 });
  expect(run.waitsOn).toMatch(/waits for approval/);
  return run;
}

/** The later flights land in silver as they leave (the model is not retrained). */
async function landLaterFlights(lab: Lab, project: string, flights: readonly Flight[]): Promise<void> {
  writeFileSync(join(dir, 'flights.json'), JSON.stringify(flights));
  await ingestProject(lab, project);
  const record = await resolveProject(lab, project);
  await exploreProject(lab, record);
  await buildSilverTables(lab, record);
}

describe('gold on real data: flights and airports', () => {
  it('learns `delay > 15` from each origin\'s and destination\'s earlier flights, with or without the airports, and beats the flights\' own columns on later flights scored as they come', async () => {
    const flights = JSON.parse(readFileSync(join(data, 'flights-20k.json'), 'utf8')) as Flight[];
    const cut = Math.floor(flights.length * 0.8);
    const training = flights.slice(0, cut);
    const later = flights.slice(cut);
    expect(later[0]!.date > training[training.length - 1]!.date || later[0]!.date === training[training.length - 1]!.date).toBe(true);
    writeFileSync(join(dir, 'flights.json'), JSON.stringify(training));
    copyFileSync(join(data, 'airports.csv'), join(dir, 'airports.csv'));
    const heldOut = join(dir, 'later-flights.csv');
    writeFileSync(heldOut, ['date,distance,origin,destination', ...later.map((f) => `${f.date},${f.distance},${f.origin},${f.destination}`)].join('\n') + '\n');
    const labels = Float64Array.from(later, (f) => (f.delay > 15 ? 1 : 0));

    let lab = await initLab(join(dir, 'lab'), { project: 'relational' });
    try {
      // two sources; the relationships exploration finds are accepted with the rest of its suggestions
      await addSource(lab, 'relational', 'flights', join(dir, 'flights.json'), { cwd: dir });
      await addSource(lab, 'relational', 'airports', join(dir, 'airports.csv'), { cwd: dir });
      const relational = await resolveProject(lab, 'relational');
      expect((await runProject(lab, relational, { trials: 2 })).waitsOn).toMatch(/confirm the target/);
      await tagFlights(lab, relational);
      const related = await runProject(lab, relational, { trials: 2, seed: 1 });
      expect(related.waitsOn).toMatch(/waits for approval/);
      expect(related.stale.map((s) => s.stage)).toEqual(expect.arrayContaining(['silver.build', 'gold.build', 'gold.aggregates', 'automl.train']));

      const gold = await currentGold(lab, relational);
      if (!gold.applies || !gold.table) throw new Error('no gold table was built');
      const features = gold.table.manifest.plan.features.map((f) => f.name);
      expect(gold.table.label).toBe('late');
      expect(gold.table.manifest.rows).toBe(training.length);
      expect(gold.plan.features.map((f) => f.name)).toEqual(expect.arrayContaining(['origin.airports.mean(flights.delay by origin)', 'destination.airports.mean(flights.delay by destination)']));
      expect(features).toEqual(expect.arrayContaining(['origin.airports.latitude', 'origin.airports.state']));
      // pruning keeps one of each airport's delay histories (all time, or the last 7 / 30 days, much alike over three months)
      expect(features.filter((f) => /^origin\.airports\.\w+\(flights\.delay by origin(, \d+ days)?\)$/.test(f))).not.toEqual([]);
      expect(features.filter((f) => /^destination\.airports\.\w+\(flights\.delay by destination(, \d+ days)?\)$/.test(f))).not.toEqual([]);
      expect(features.filter((f) => f === 'delay' || f === 'date')).toEqual([]);
      const { model } = loadBundle(related.train!.bundleDir);
      expect(model.manifest.gold?.plan.features.map((f) => f.name)).toEqual(features);
      // the version's lineage names the gold table it learnt from
      expect((related.model!.lineage as unknown as ModelLineage).featurePlan?.gold).toEqual({ hash: gold.table.goldHash, features: features.length });

      const exported = join(dir, 'gold.parquet');
      expect(await exportTable(lab, relational, 'gold', exported)).toMatchObject({ layer: 'gold', table: 'flights', rows: training.length });

      // the dashboards' aggregates: weekly delays per origin, among others
      const aggregates = await currentAggregates(lab, relational);
      expect(aggregates.map((a) => a.name)).toEqual(expect.arrayContaining(['flights_date_daily', 'flights_date_weekly', 'flights_date_monthly']));
      expect(aggregates[0]!.spec).toMatchObject({ time: 'date', measures: expect.arrayContaining(['delay', 'distance']) as unknown, dimensions: expect.arrayContaining(['origin', 'destination']) as unknown });
      const weekly = join(dir, 'weekly.csv');
      const origins = new Set(training.map((f) => f.origin)).size;
      expect((await exportTable(lab, relational, 'gold.flights_date_weekly', weekly)).rows).toBeGreaterThan(origins);
      const lines = readFileSync(weekly, 'utf8').trim().split('\n');
      expect(lines[0]).toBe('period,dimension,member,rows,delay_sum,delay_mean,delay_min,delay_max,distance_sum,distance_mean,distance_min,distance_max');
      expect(new Set(lines.filter((l) => l.split(',')[1] === 'origin').map((l) => l.split(',')[2])).size).toBe(origins);

      // nothing changed: nothing runs
      const again = await runProject(lab, relational, { trials: 2, seed: 1 });
      expect(again.ran).toBe(0);

      // the same flights alone, tagged alike: origin and destination are entities of their own
      await createProject(lab, 'single');
      const entities = await flightsAlone(lab, 'single');
      const entityGold = await currentGold(lab, await resolveProject(lab, 'single'));
      if (!entityGold.applies || !entityGold.table) throw new Error('no gold table was built for the flights alone');
      const entityFeatures = entityGold.plan.features.map((f) => f.name);
      expect(entityFeatures).toEqual(expect.arrayContaining(['count(flights by origin)', 'mean(flights.delay by origin)', 'mean(flights.late by origin)', 'last(flights.delay by destination)', 'mode(flights.destination by origin)']));
      // no windows of days unless autolab.yaml asks (gold: { recentDays: [7, 30] })
      expect(entityFeatures.filter((f) => f.endsWith(' days)'))).toEqual([]);
      expect(features.filter((f) => / by (origin|destination)/.test(f) && !f.includes('.airports.'))).toEqual([]);

      // the flights' own columns only: a lab whose feature synthesis goes one hop (no entity history)
      await lab.close();
      const ownLab = await initLab(join(dir, 'own'), { project: 'own' });
      await ownLab.close();
      appendFileSync(join(dir, 'own', CONFIG_FILE), 'gold:\n  depth: 1\n');
      const own = await openLab(join(dir, 'own'));
      let ownAuc: number;
      try {
        const ownRun = await flightsAlone(own, 'own');
        const ownGold = await currentGold(own, await resolveProject(own, 'own'));
        if (!ownGold.applies) throw new Error('no gold plan for the flights\' own columns');
        expect(ownGold.plan.features.some((f) => f.kind === 'aggregate')).toBe(false);
        ownAuc = await heldOutAuc(own, ownRun, heldOut, labels);
      } finally {
        await own.close();
      }
      lab = await openLab(join(dir, 'lab'));

      // scored as a batch: the later flights' history is what silver held at training (none of them)
      const batchAuc = await heldOutAuc(lab, related, heldOut, labels);
      const entityBatchAuc = await heldOutAuc(lab, entities, heldOut, labels);
      // scored as they come: each later flight's features see the flights known before it — a
      // flight's delay is known once it has left (the known-at tag), never before its own scheduled time
      await landLaterFlights(lab, 'relational', flights);
      await landLaterFlights(lab, 'single', flights);
      const rollingAuc = await heldOutAuc(lab, related, heldOut, labels);
      const entityRollingAuc = await heldOutAuc(lab, entities, heldOut, labels);
      process.stdout.write(
        `held-out AUC on the last ${later.length} flights: own columns ${ownAuc.toFixed(4)}; ` +
          `flights alone with origin and destination as entities: scored as they come ${entityRollingAuc.toFixed(4)}, as one batch ${entityBatchAuc.toFixed(4)}; ` +
          `relational: scored as they come ${rollingAuc.toFixed(4)}, as one batch ${batchAuc.toFixed(4)}\n`,
      );
      expect(rollingAuc).toBeGreaterThan(ownAuc);
      expect(entityRollingAuc).toBeGreaterThan(ownAuc);
      // the batch cases score below the own columns (0.59-0.61 against 0.636 when measured): their
      // history features are weeks stale for the last flights; recorded in docs/benchmarks.md, not asserted
      expect(batchAuc).toBeGreaterThan(0.55);
      expect(entityBatchAuc).toBeGreaterThan(0.55);
    } finally {
      await lab.close();
    }
  }, 400_000);
});
