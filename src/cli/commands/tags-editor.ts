import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EditedTagsResult, TagUpdate } from '../../app/tags.js';
import { UsageError } from '../../common/index.js';
import type { YamlProblem } from '../../explore/index.js';

export interface EditOutcome {
  /** true when the person left without a valid change (unchanged or emptied file) */
  readonly aborted: boolean;
  readonly update: TagUpdate | null;
  /** problems shown on each invalid save, in order */
  readonly rounds: readonly (readonly YamlProblem[])[];
}

export interface EditSession {
  /** the YAML to start from */
  readonly yaml: string;
  /** the temp file's name, so that the editor's title says what is edited */
  readonly fileName: string;
  /** checks a save and, when it is valid, stores it */
  readonly apply: (text: string) => Promise<EditedTagsResult>;
  readonly onProblems?: (problems: readonly YamlProblem[], file: string) => void;
  /** default $VISUAL, else $EDITOR, else vi */
  readonly editor?: string;
}

const ERROR_MARK = '# autolab error:';

/**
 * `autolab tags edit`: the YAML in a temp file, opened in the person's editor. Each save is
 * applied; problems are printed with their line and appended to the file as comments (at the end,
 * so that line numbers stay true), and the editor opens again — until a save is valid, or the
 * person saves the file unchanged or empty to give up.
 */
export async function editInEditor(session: EditSession): Promise<EditOutcome> {
  const editor = session.editor ?? process.env['VISUAL'] ?? process.env['EDITOR'] ?? 'vi';
  const dir = await mkdtemp(join(tmpdir(), 'autolab-tags-'));
  const file = join(dir, session.fileName);
  const rounds: YamlProblem[][] = [];
  try {
    let shown = session.yaml;
    await writeFile(file, shown, { mode: 0o600 });
    for (;;) {
      const ran = spawnSync(`${editor} ${shellQuote(file)}`, { shell: true, stdio: 'inherit' });
      if (ran.error || ran.status !== 0) {
        throw new UsageError(
          `the editor \`${editor}\` failed${ran.status !== null ? ` (exit ${ran.status})` : ''}`,
          'set EDITOR to an editor that waits until the file is closed, e.g. EDITOR="code -w"',
        );
      }
      const saved = await readFile(file, 'utf8');
      const text = stripErrors(saved);
      if (saved === shown || text.trim() === '') return { aborted: true, update: null, rounds };
      const result = await session.apply(text);
      if (result.ok) return { aborted: false, update: result.update, rounds };
      rounds.push([...result.problems]);
      session.onProblems?.(result.problems, file);
      shown = `${text.replace(/\n*$/, '\n')}${result.problems.map((p) => `${ERROR_MARK} line ${p.line}: ${p.message}`).join('\n')}\n`;
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
