import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../common/index.js';
import { fileFormat, SUPPORTED_EXTENSIONS } from './file-reader.js';

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
