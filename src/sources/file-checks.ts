import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../common/index.js';
import { fileFormat, SUPPORTED_EXTENSIONS } from './file-format.js';

/** The file exists, is not a folder, can be read and is not empty. */
export async function checkFileExists(path: string, label = path): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError(`file not found: ${label}`, 'check the path (relative paths are from the current folder)');
  if (info.isDirectory()) throw new InputError(`${label} is a folder`, `give a file, or a glob such as ${join(label, '*.csv')}`);
  await access(path, constants.R_OK).catch(() => {
    throw new InputError(`no permission to read ${label}`, 'change its permissions or run autolab as a user who can read it');
  });
  if (info.size === 0) throw new InputError(`${label} is empty`, 'give a file with a header and at least one row');
}

/** As `checkFileExists`, and of a kind of data file autolab reads. */
export async function checkDataFile(path: string, label = path): Promise<string> {
  if (fileFormat(path) === undefined) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new InputError(`file not found: ${label}`, 'check the path (relative paths are from the current folder)');
    if (!info.isDirectory()) throw new InputError(`${label}: unknown kind of data file`, `use ${SUPPORTED_EXTENSIONS.join(', ')}`);
  }
  await checkFileExists(path, label);
  return path;
}

/** How much of each end of a JSON file `checkJsonComplete` looks at. */
const JSON_END_BYTES = 4096;

/**
 * A JSON file cut off (an interrupted download or export) ends inside its array or object:
 * `[{"a":1},{"a":2},`. DuckDB reads the complete objects before the cut and says nothing, so the
 * ends are checked first: a file that opens with `[` must close with `]`, and one that opens with
 * `{` (one object, or one per line) must end with `}` or `]`.
 */
export async function checkJsonComplete(path: string, label = path): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, JSON_END_BYTES));
    await handle.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(size, JSON_END_BYTES));
    await handle.read(tail, 0, tail.length, size - tail.length);
    const opening = head.toString('utf8').replace(/^\uFEFF/, '').trimStart()[0];
    const ending = tail.toString('utf8').trimEnd();
    const last = ending.at(-1);
    const complete = opening === '[' ? last === ']' : last === '}' || last === ']';
    // what does not open as an array or object is not records at all: the reader's own error says so
    if ((opening !== '[' && opening !== '{') || complete) return;
    const lastLine = ending.split('\n').at(-1) ?? '';
    throw new InputError(
      `${label} is cut off: it ends with ${JSON.stringify(lastLine.slice(-20))} at byte ${size}, inside ${opening === '[' ? 'the JSON array it opens' : 'a JSON object'}`,
      'the file looks truncated (an interrupted download or export does this): get or export it again',
    );
  } finally {
    await handle.close();
  }
}
