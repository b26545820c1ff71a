import { extname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { loadBundle } from '../automl/index.js';
import { describeError, InputError } from '../common/index.js';
import { readFrame, type Frame } from '../features/index.js';
import { buildModelCard, materializeBundle, modelVersionOf, readHoldout, renderModelCardHtml, type ModelCard, type ModelLineage } from '../registry/index.js';
import { writeStreamAtomic } from '../store/index.js';
import { actionInput } from './lab.js';
import { LAB_DIR } from './lab-config.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';
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

async function writeText(path: string, text: string): Promise<void> {
  try {
    // atomic: a card open in a browser is replaced whole, never seen half written
    await writeStreamAtomic(() => Readable.from([Buffer.from(text, 'utf8')]), path);
  } catch (error) {
    throw new InputError(`cannot write the model card to ${path}: ${describeError(error)}`, 'check that its folder is writable, or give the card another path', { cause: error });
  }
}
