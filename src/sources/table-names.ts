import { basename, dirname } from 'node:path';

/** `data/customers.csv.gz` → `customers`: the file name without its data extensions. */
export function fileStem(path: string): string {
  let name = basename(path);
  if (name.toLowerCase().endsWith('.gz')) name = name.slice(0, -3);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * One table name per file: the stem, or — when two files share a stem — the stem prefixed by
 * as much of their folder path as tells them apart.
 */
export function uniqueTableNames(paths: readonly string[]): string[] {
  const stems = paths.map(fileStem);
  const counts = new Map<string, number>();
  for (const s of stems) counts.set(s, (counts.get(s) ?? 0) + 1);
  const names = paths.map((p, i) => {
    const stem = stems[i] ?? p;
    return (counts.get(stem) ?? 0) > 1 ? `${basename(dirname(p))}_${stem}` : stem;
  });
  // still clashing (same folder names): number them in order
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}_${k}`;
  });
}
