import { userInfo } from 'node:os';
import { canonicalJson, type Catalog, type ProjectRecord, type TagVersionRecord } from '../catalog/index.js';
import { InputError } from '../common/index.js';
import {
  acceptSuggestions,
  confirmedTagsHash,
  parseColumnAssignments,
  parseRelationshipAssignments,
  parseRelationshipRef,
  parseTagsYaml,
  setColumnTags,
  setRelationshipTag,
  tagsToYaml,
} from '../explore/index.js';
import type { TagChange, TagSet, TagVersion, YamlProblem } from '../explore/index.js';

/**
 * The tagging step (human moment 2) as the CLI, the API and `explore` use it: every change
 * becomes a new tag version in the catalog, with who and when, and a `tags.confirm` action whose
 * output is the hash of the confirmed tags, so that later stages key on exactly what was decided.
 */

export interface TagUpdate {
  /** the new version, or the unchanged current one when nothing changed */
  readonly version: number;
  readonly changed: boolean;
  readonly changes: readonly string[];
  readonly confirmedHash: string;
}

/** Who is making a change: AUTOLAB_USER, else the OS user name. */
export function currentUser(): string {
  const fromEnv = process.env['AUTOLAB_USER'];
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The project's newest tag version, if it has tags yet. */
export async function currentTags(catalog: Catalog, project: ProjectRecord): Promise<TagVersion | undefined> {
  const stored = await catalog.latestTagVersion(project.id);
  return stored && toTagVersion(stored);
}

/** The catalog keeps the tag set as opaque JSON; every version in it was written by `commitTags` from a TagSet. */
function toTagVersion(stored: TagVersionRecord): TagVersion {
  return { ...stored, tags: stored.tags as TagSet };
}

export async function requireTags(catalog: Catalog, project: ProjectRecord): Promise<TagVersion> {
  const tags = await currentTags(catalog, project);
  if (!tags) {
    throw new InputError(`project ${project.name} has no tags yet`, `run \`autolab explore ${project.name}\` first`);
  }
  return tags;
}

/**
 * Applies `change` to the newest tags and stores the result as the next version (if anything
 * changed), then records the `tags.confirm` action. The version check in the catalog makes two
 * concurrent editors safe: the second is told to try again rather than silently overwriting.
 */
export async function commitTags(
  catalog: Catalog,
  project: ProjectRecord,
  change: (tags: TagSet | undefined) => TagChange,
  options: { author?: string; kind?: string } = {},
): Promise<TagUpdate> {
  const startedAt = new Date().toISOString();
  const cpuStart = process.cpuUsage();
  const before = await currentTags(catalog, project);
  const next = change(before?.tags);
  const confirmedHash = confirmedTagsHash(next.tags);
  // stored tags come back with sorted keys: compare canonical forms
  const unchanged = before !== undefined && canonicalJson(before.tags) === canonicalJson(next.tags);
  if (unchanged) {
    return { version: before.version, changed: false, changes: [], confirmedHash: before.confirmedHash };
  }
  const author = options.author ?? currentUser();
  const summary = next.changes.length > 0 ? summarise(next.changes) : 'suggestions refreshed';
  const stored = await catalog.addTagVersion({ projectId: project.id, tags: next.tags, confirmedHash, author, change: summary }, before?.version ?? 0);
  const cpu = process.cpuUsage(cpuStart);
  await catalog.appendAction({
    kind: options.kind ?? 'tags.confirm',
    project: project.name,
    inputs: { tags: before?.confirmedHash ?? 'none' },
    outputs: { tags: confirmedHash },
    status: 'done',
    startedAt,
    finishedAt: new Date().toISOString(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bytesWritten: 0,
    workerId: author,
    error: null,
    detail: { version: stored.version, author, changes: next.changes.length, summary },
  });
  return { version: stored.version, changed: true, changes: next.changes, confirmedHash };
}

/** `autolab tags set TABLE.COLUMN role=id …` or `FROM.COL->TO.COL status=confirmed …`. */
export async function setTags(catalog: Catalog, project: ProjectRecord, ref: string, assignments: readonly string[]): Promise<TagUpdate> {
  await requireTags(catalog, project);
  return commitTags(catalog, project, (tags) => {
    const current = tags ?? { columns: [], relationships: [] };
    if (/->|=>/.test(ref)) {
      return setRelationshipTag(current, parseRelationshipRef(current, ref), parseRelationshipAssignments(assignments));
    }
    return setColumnTags(current, ref, parseColumnAssignments(assignments));
  });
}

/** `autolab tags accept`: confirms every open suggestion at least `minConfidence` sure. */
export async function acceptTags(catalog: Catalog, project: ProjectRecord, minConfidence: number): Promise<TagUpdate> {
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    throw new InputError(`minConfidence ${minConfidence} is not between 0 and 1`, 'give a share, e.g. 0.9');
  }
  await requireTags(catalog, project);
  return commitTags(catalog, project, (tags) => acceptSuggestions(tags ?? { columns: [], relationships: [] }, minConfidence));
}

function summarise(changes: readonly string[]): string {
  const shown = changes.slice(0, 5).join(', ');
  return changes.length > 5 ? `${shown} and ${changes.length - 5} more` : shown;
}

/** The tags as the YAML a person edits (`autolab tags edit`), and the version it shows. */
export async function tagsForEditing(catalog: Catalog, project: ProjectRecord): Promise<{ readonly base: TagVersion; readonly yaml: string }> {
  const base = await requireTags(catalog, project);
  return { base, yaml: tagsToYaml(base.tags) };
}

export type EditedTagsResult =
  | { readonly ok: true; readonly update: TagUpdate }
  | { readonly ok: false; readonly problems: readonly YamlProblem[] };

/**
 * Applies an edited YAML, read against `base` (the version it was made from): a new tag version,
 * or the problems with their line, and then nothing is written. Where the text comes from (an
 * editor, a browser form) is the caller's business.
 */
export async function applyEditedTags(
  catalog: Catalog,
  project: ProjectRecord,
  base: TagVersion,
  text: string,
  checkExpression?: (expression: { readonly table: string; readonly expression: string; readonly what: string }) => Promise<readonly string[]>,
): Promise<EditedTagsResult> {
  const parsed = parseTagsYaml(text, base.tags);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  let tags = parsed.tags;
  // a new expression is checked by DuckDB, which also says which columns it reads
  const check = async (table: string, expression: string, what: string, key: string): Promise<readonly string[] | YamlProblem> => {
    if (!checkExpression) throw new InputError(`the ${what} on ${table} cannot be checked here`, 'set it with `autolab tags set` and --expr or --known-at');
    try {
      return await checkExpression({ table, expression, what });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { line: lineOf(text, key), message: error.message };
    }
  };
  const expression = tags.targetExpression;
  if (expression && expression !== base.tags.targetExpression) {
    const reads = await check(expression.table, expression.expression, 'target expression', 'target');
    if (!Array.isArray(reads)) return { ok: false, problems: [reads as YamlProblem] };
    tags = { ...tags, targetExpression: { ...expression, reads: [...reads].sort() } };
  }
  if (tags.knownAt?.some((k) => !base.tags.knownAt?.includes(k))) {
    const knownAt = [];
    for (const k of tags.knownAt) {
      if (base.tags.knownAt?.includes(k)) {
        knownAt.push(k);
        continue;
      }
      const reads = await check(k.table, k.expression, 'known-at expression', 'known_at');
      if (!Array.isArray(reads)) return { ok: false, problems: [reads as YamlProblem] };
      knownAt.push({ ...k, reads: [...reads].sort() });
    }
    tags = { ...tags, knownAt };
  }
  const update = await commitTags(catalog, project, () => ({ tags, changes: parsed.changes }), {});
  return { ok: true, update };
}

/** The line of a top-level key of the edited YAML (1 when it is not there). */
function lineOf(text: string, key: string): number {
  const index = text.split('\n').findIndex((line) => line.startsWith(`${key}:`));
  return index < 0 ? 1 : index + 1;
}

export interface TagHistoryEntry {
  readonly version: number;
  readonly author: string;
  readonly createdAt: string;
  readonly change: string;
  readonly confirmedHash: string;
}

/** Every version of the project's tags, oldest first: who changed what, and when. */
export async function tagHistory(catalog: Catalog, project: ProjectRecord): Promise<TagHistoryEntry[]> {
  const rows = await catalog.listTagVersions(project.id);
  return rows.map((r) => ({ version: r.version, author: r.author, createdAt: r.createdAt, change: r.change, confirmedHash: r.confirmedHash }));
}
