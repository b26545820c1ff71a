import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';

/** Line ends outside quoted fields, by kind. */
export interface LineEndings {
  readonly crlf: number;
  readonly lf: number;
  /** a CR alone: old Mac files */
  readonly cr: number;
}

/**
 * Walks a file in 1 MB pieces and calls `end(kind, at)` for each line end outside `"`-quoted
 * fields (`at` is the offset in the piece of its first byte); a CR at a piece's end is judged
 * with the next piece. `copy(bytes)` gets the bytes between line ends, when given.
 */
async function walkLineEnds(
  path: string,
  visit: { end(kind: keyof LineEndings): void | Promise<void>; copy?(bytes: Buffer): void | Promise<void> },
): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const piece = Buffer.alloc(1 << 20);
    let quoted = false;
    let pendingCr = false;
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(piece, 0, piece.length, position);
      position += bytesRead;
      if (bytesRead === 0) {
        if (pendingCr) await visit.end('cr');
        return;
      }
      let start = 0;
      for (let i = 0; i < bytesRead; i++) {
        const b = piece[i];
        if (pendingCr) {
          pendingCr = false;
          if (b === 10) {
            await visit.end('crlf');
            start = i + 1;
            continue;
          }
          await visit.end('cr');
        }
        if (b === 34) quoted = !quoted;
        else if (!quoted && b === 13) {
          if (i > start) await visit.copy?.(piece.subarray(start, i));
          pendingCr = true;
          start = i + 1;
        } else if (!quoted && b === 10) {
          if (i > start) await visit.copy?.(piece.subarray(start, i));
          await visit.end('lf');
          start = i + 1;
        }
      }
      if (bytesRead > start) await visit.copy?.(piece.subarray(start, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

/** Counts a file's line ends outside quoted fields, by kind. */
export async function countLineEndings(path: string): Promise<LineEndings> {
  const counts = { crlf: 0, lf: 0, cr: 0 };
  await walkLineEnds(path, {
    end(kind) {
      counts[kind]++;
    },
  });
  return counts;
}

/** More than one kind of line end: DuckDB's sniffer gives up on such a file. */
export function mixedLineEndings(counts: LineEndings): boolean {
  return [counts.crlf, counts.lf, counts.cr].filter((n) => n > 0).length > 1;
}

/**
 * Copies a file to `outPath` with every line end outside quoted fields written as LF; a line end
 * inside a quoted field is part of its value and kept as it is.
 */
export async function writeLfLineEndings(path: string, outPath: string): Promise<void> {
  const out = createWriteStream(outPath);
  const write = async (bytes: Buffer) => {
    if (!out.write(Buffer.from(bytes))) await once(out, 'drain');
  };
  const lf = Buffer.from('\n');
  try {
    await walkLineEnds(path, { end: () => write(lf), copy: write });
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    throw error;
  }
}
