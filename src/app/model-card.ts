import { extname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { loadBundle } from '../automl/index.js';
import { describeError, InputError } from '../common/index.js';
import { readFrame, type Frame } from '../features/index.js';
import type { ModelVersionRecord, ProjectRecord } from '../catalog/index.js';
import type { Round2Result, TableProfile } from '../explore/index.js';
import { buildModelCard, materializeBundle, modelVersionOf, readHoldout, renderModelCardHtml, type CardAlert, type CardDriftCheck, type ModelCard, type ModelLineage } from '../registry/index.js';
import { writeStreamAtomic } from '../store/index.js';
import { profileInputsHash } from './explore.js';
import { actionInput } from './lab.js';
import { LAB_DIR } from './lab-config.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';
import { getJson } from './stored-json.js';
import { currentTags } from './tags.js';

/**
 * `autolab models card VERSION`: the card of a registered version, as JSON and as one HTML page,
 * from its bundle (fetched from the store), its holdout predictions and its training table (silver,
 * read from the lake). Written beside each other: `<out>.html` and `<out>.json`.
 */
export interface WrittenCard {
  readonly card: ModelCard;
  readonly html: string;
  readonly json: string;
}

export function defaultCardPath(lab: Lab, project: string, version: number): string {
  return join(lab.root, LAB_DIR, 'reports', `${project}-model-v${version}.html`);
}

export async function writeModelCard(lab: Lab, projectName: string | undefined, version: number, options: { out?: string; generatedAt?: string } = {}): Promise<WrittenCard> {
  const startedAt = new Date().toISOString();
  const project = await resolveProject(lab, projectName);
  const model = await modelVersionOf(lab, project.name, version);
  const dir = await materializeBundle(lab, model);
  const bundle = loadBundle(dir).model;
  const lineage = model.lineage as unknown as ModelLineage;
  const tags = await currentTags(lab.catalog, project);
  const targetTag = tags?.tags.columns.find((c) => c.table === lineage.table && c.column === bundle.manifest.target);
  const card = buildModelCard({
    project: project.name,
    model,
    bundle,
    holdout: readHoldout(dir),
    frame: await trainingFrame(lab, lineage, bundle.manifest.target),
    targetDescription: targetTag?.confirmed.description ?? null,
    timeColumn: tags?.tags.columns.find((c) => c.table === lineage.table && c.confirmed.role === 'time')?.column ?? null,
    alerts: await trainingAlerts(lab, project, lineage),
    driftChecks: await driftChecks(lab, project.name, model),
    generatedAt: options.generatedAt ?? startedAt,
  });
  const html = resolve(options.out ?? defaultCardPath(lab, project.name, version));
  const json = extname(html).toLowerCase() === '.html' ? html.slice(0, -'.html'.length) + '.json' : `${html}.json`;
  await writeText(html, renderModelCardHtml(card));
  await writeText(json, JSON.stringify(card, null, 1) + '\n');
  await lab.catalog.appendAction({ ...actionInput('model.card', project.name, startedAt), inputs: { bundle: model.bundleHash }, detail: { version, html, json } });
  return { card, html, json };
}

/** The silver table the version was trained on, or null when the lab no longer holds it (the card then says so). */
async function trainingFrame(lab: Lab, lineage: ModelLineage, target: string): Promise<Frame | null> {
  if (!lineage.silverLakeKey || !(await lab.store.hasObject(lineage.silverLakeKey))) return null;
  return readFrame(await lab.store.localPathFor(lineage.silverLakeKey), { textColumns: [target], workDir: lab.workDir });
}

/** how many of the newest actions of a kind (checks, target analyses) the card looks through */
const ACTIONS_LOOKED_AT = 500;

/**
 * Exploration's alerts on the snapshot the version learnt from, and the leakage suspects of the
 * target analysis in force when it was trained; null when the lab holds neither.
 */
async function trainingAlerts(lab: Lab, project: ProjectRecord, lineage: ModelLineage): Promise<CardAlert[] | null> {
  const snapshot = lineage.snapshots.find((s) => s.table === lineage.table);
  const result = snapshot && (await lab.catalog.findExploreResult({ projectId: project.id, kind: 'profile', subject: lineage.table, inputsHash: profileInputsHash(snapshot) }));
  const profiled = result ? (await getJson<TableProfile>(lab, result.resultHash)).alerts.map(({ column, kind, severity, message }): CardAlert => ({ column, kind, severity, message })) : null;
  const leakage = await leakageSuspects(lab, project.name, lineage);
  return profiled === null && leakage.length === 0 ? null : [...leakage, ...(profiled ?? [])];
}

/** Round 2's leakage suspects as they stood when the version was trained: the newest target analysis before its training action. */
async function leakageSuspects(lab: Lab, project: string, lineage: ModelLineage): Promise<CardAlert[]> {
  const trainSeq = lineage.trainSeq;
  if (trainSeq === null) return [];
  const analyses = (await lab.catalog.listActions({ project, kind: 'explore.target', status: 'done', limit: ACTIONS_LOOKED_AT })).filter((a) => a.seq < trainSeq);
  const hash = analyses.at(-1)?.outputs['round2'];
  if (hash === undefined || !(await lab.store.has(hash))) return [];
  const round2 = await getJson<Round2Result>(lab, hash);
  return (round2.target?.leakage ?? []).map((s) => ({ column: s.column, kind: `leakage: ${s.kind.replace(/_/g, ' ')}`, severity: 'warning', message: `possible leakage — ${s.reason}` }));
}

/** The version's drift checks so far, oldest first: each newer snapshot of its table, and its prediction log, compared with its training rows. */
async function driftChecks(lab: Lab, project: string, model: ModelVersionRecord): Promise<CardDriftCheck[]> {
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  const checks: (CardDriftCheck & { seq: number })[] = [];
  for (const [kind, source] of [['monitor.drift', 'snapshot'], ['monitor.predictions', 'predictions']] as const) {
    for (const a of await lab.catalog.listActions({ project, kind, status: 'done', limit: ACTIONS_LOOKED_AT })) {
      // a check of the log that held no prediction of this version says why instead, and is no check
      if (a.inputs['model'] !== model.bundleHash || a.detail['rows'] === undefined) continue;
      checks.push({
        seq: a.seq,
        source,
        checkedAt: a.finishedAt,
        against: source === 'snapshot' ? `${String(a.detail['table'])} v${String(a.detail['currentVersion'])}` : 'the prediction log',
        rows: Number(a.detail['rows']),
        datasetDrift: a.detail['datasetDrift'] === true,
        drifted: strings(a.detail['drifted']),
        // the prediction log's realised metrics below the holdout (a snapshot's check has none)
        belowHoldout: strings(a.detail['belowHoldout']),
      });
    }
  }
  return checks.sort((a, b) => a.seq - b.seq).map(({ seq: _, ...check }) => check);
}

async function writeText(path: string, text: string): Promise<void> {
  try {
    // atomic: a card open in a browser is replaced whole, never seen half written
    await writeStreamAtomic(() => Readable.from([Buffer.from(text, 'utf8')]), path);
  } catch (error) {
    throw new InputError(`cannot write the model card to ${path}: ${describeError(error)}`, 'check that its folder is writable, or give the card another path', { cause: error });
  }
}
