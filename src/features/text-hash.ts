/** Hashing of free text into a fixed number of count features, so no vocabulary is stored. */

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const TOKEN = /[\p{L}\p{N}]+/gu;

/** Adds log1p-scaled counts of word unigrams, bigrams and character trigrams of `text` into `out`. */
export function hashText(text: string, out: Float64Array): void {
  const buckets = out.length;
  out.fill(0);
  const words = text.toLowerCase().match(TOKEN) ?? [];
  const add = (gram: string): void => {
    const b = fnv1a(gram) % buckets;
    out[b] = out[b]! + 1;
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    add(`w:${word}`);
    if (i + 1 < words.length) add(`b:${word} ${words[i + 1]!}`);
    const padded = ` ${word} `;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`);
  }
  for (let b = 0; b < buckets; b++) out[b] = Math.log1p(out[b]!);
}

export function wordCount(text: string): number {
  return (text.match(TOKEN) ?? []).length;
}
