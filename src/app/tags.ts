import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, type Catalog, type ProjectRecord, type TagVersionRecord } from '../catalog/index.js';
import { InputError, UsageError } from '../common/index.js';
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

/** `autolab tags accept [--min-confidence X]`. */
export async function acceptTags(catalog: Catalog, project: ProjectRecord, minConfidence: number): Promise<TagUpdate> {
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    throw new InputError(`--min-confidence ${minConfidence} is not between 0 and 1`, 'give a share, e.g. 0.9');
  }
  await requireTags(catalog, project);
  return commitTags(catalog, project, (tags) => acceptSuggestions(tags ?? { columns: [], relationships: [] }, minConfidence));
}

function summarise(changes: readonly string[]): string {
  const shown = changes.slice(0, 5).join(', ');
  return changes.length > 5 ? `${shown} and ${changes.length - 5} more` : shown;
}

export interface EditOutcome {
  /** true when the person left without a valid change (unchanged or emptied file, editor failed) */
  readonly aborted: boolean;
  readonly update: TagUpdate | null;
  /** problems shown on each invalid save, in order */
  readonly rounds: readonly (readonly YamlProblem[])[];
}

const ERROR_MARK = '# autolab error:';

/**
 * `autolab tags edit`: the tags as YAML in a temp file, opened in `editor` (EDITOR, VISUAL, vi).
 * Each save is validated; problems are printed with their line and appended to the file as
 * comments (at the end, so that line numbers stay true), and the editor opens again — until the
 * file is valid, or the person saves it unchanged or empty to give up.
 */
export async function editTags(
  catalog: Catalog,
  project: ProjectRecord,
  options: { editor?: string; onProblems?: (problems: readonly YamlProblem[], file: string) => void } = {},
): Promise<EditOutcome> {
  const start = await requireTags(catalog, project);
  const editor = options.editor ?? process.env['VISUAL'] ?? process.env['EDITOR'] ?? 'vi';
  const dir = await mkdtemp(join(tmpdir(), 'autolab-tags-'));
  const file = join(dir, `${project.name}-tags.yaml`);
  const rounds: YamlProblem[][] = [];
  try {
    let shown = tagsToYaml(start.tags);
    await writeFile(file, shown, { mode: 0o600 });
    for (;;) {
      const ran = spawnSync(`${editor} ${shellQuote(file)}`, { shell: true, stdio: 'inherit' });
      if (ran.error || ran.status !== 0) {
        throw new UsageError(`the editor \`${editor}\` failed${ran.status !== null ? ` (exit ${ran.status})` : ''}`, 'set EDITOR to an editor that waits until the file is closed, e.g. EDITOR="code -w"');
      }
      const saved = await readFile(file, 'utf8');
      const text = stripErrors(saved);
      if (saved === shown || text.trim() === '') return { aborted: true, update: null, rounds };
      const parsed = parseTagsYaml(text, start.tags);
      if (parsed.ok) {
        const update = await commitTags(catalog, project, () => ({ tags: parsed.tags, changes: parsed.changes }), {});
        return { aborted: false, update, rounds };
      }
      rounds.push([...parsed.problems]);
      options.onProblems?.(parsed.problems, file);
      shown = `${text.replace(/\n*$/, '\n')}${parsed.problems.map((p) => `${ERROR_MARK} line ${p.line}: ${p.message}`).join('\n')}\n`;
      await writeFile(file, shown);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function stripErrors(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith(ERROR_MARK))
    .join('\n');
}

function shellQuote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
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
