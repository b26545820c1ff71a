import { compactTree } from './tree-arrays.js';
import { InputError } from '../../common/errors.js';
import type { TreeArrays } from '../types.js';

type TypedArray = Float64Array | Int32Array | Uint8Array | Uint32Array;

/**
 * A tree in JSON: every typed array as a base64 string of its little-endian bytes, so a loaded
 * model holds exactly the same doubles (and predicts bit-identically) at a third of the size of
 * number lists.
 */
export type TreeJSON = Record<Exclude<keyof TreeArrays, 'count'>, string> & { readonly count?: string };

type Required = Exclude<keyof TreeArrays, 'count'>;

const FIELDS: { readonly [K in Required]: new (buffer: ArrayBuffer) => TreeArrays[K] } = {
  feature: Int32Array,
  threshold: Float64Array,
  left: Int32Array,
  right: Int32Array,
  defaultLeft: Uint8Array,
  isCategorical: Uint8Array,
  catOffset: Int32Array,
  catWords: Int32Array,
  catBits: Uint32Array,
  value: Float64Array,
  cover: Float64Array,
  gain: Float64Array,
};

export function encodeTypedArray(array: TypedArray): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

export function decodeTypedArray<T extends TypedArray>(text: string, make: new (buffer: ArrayBuffer) => T, what: string): T {
  if (typeof text !== 'string') throw new InputError(`model field '${what}' is not a base64 string`, 'load a model file written by autolab');
  const bytes = Buffer.from(text, 'base64');
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  const width = (make as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (bytes.byteLength % width !== 0) throw new InputError(`model field '${what}' has a broken length`, 'load a model file written by autolab');
  return new make(copy);
}

export function treeToJSON(tree: TreeArrays): TreeJSON {
  const out = {} as Record<string, string>;
  for (const key of Object.keys(FIELDS) as Required[]) out[key] = encodeTypedArray(tree[key]);
  if (tree.count) out['count'] = encodeTypedArray(tree.count);
  return out as TreeJSON;
}

export function treeFromJSON(json: TreeJSON): TreeArrays {
  if (typeof json !== 'object' || json === null) throw new InputError('a tree in the model is not an object', 'load a model file written by autolab');
  const out = {} as Record<string, TypedArray>;
  for (const key of Object.keys(FIELDS) as Required[]) out[key] = decodeTypedArray(json[key], FIELDS[key] as new (buffer: ArrayBuffer) => TypedArray, key);
  // trees saved before training-row counts were kept have none: what needs them says so
  if (json.count !== undefined) out['count'] = decodeTypedArray(json.count, Uint32Array, 'count');
  const tree = out as unknown as TreeArrays;
  const n = tree.feature.length;
  if (tree.count && tree.count.length !== n) throw new InputError(`tree field 'count' has ${tree.count.length} entries for ${n} nodes`, 'load a model file written by autolab');
  for (const key of ['threshold', 'left', 'right', 'defaultLeft', 'isCategorical', 'catOffset', 'catWords', 'value', 'cover', 'gain'] as const) {
    if (tree[key].length !== n) throw new InputError(`tree field '${key}' has ${tree[key].length} entries for ${n} nodes`, 'load a model file written by autolab');
  }
  return compactTree(tree);
}
