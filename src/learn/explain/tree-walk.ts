/**
 * Walking a TreeArrays tree for explanations, and the table's columns in the trees' feature order.
 * The routing is the learners' own (`goesLeft`, learn/trees/tree-arrays.ts).
 */
import { InputError } from '../../common/index.js';
import { goesLeft } from '../trees/tree-arrays.js';
import type { FeatureTable, TreeArrays } from '../types.js';

export { goesLeft };

/** How a feature index of the trees finds its column in a table. */
export interface FeatureLookup {
  /** names of the trees' features in order; columns are matched by name */
  readonly featureNames?: readonly string[];
  /** featureIndex[f] is the table column of tree feature f */
  readonly featureIndex?: readonly number[];
}

/** The table's columns in the trees' feature order (by name, by index, or by position). */
export function featureColumns(table: FeatureTable, featureCount: number, lookup: FeatureLookup = {}): Float64Array[] {
  const columns: Float64Array[] = [];
  // by name through one map: a served record is explained by every fold model of every member
  const byName = new Map<string, Float64Array>();
  if (lookup.featureNames) for (const c of table.columns) if (!byName.has(c.name)) byName.set(c.name, c.values);
  for (let f = 0; f < featureCount; f++) {
    let values: Float64Array | undefined;
    if (lookup.featureNames) {
      const name = lookup.featureNames[f];
      values = name === undefined ? undefined : byName.get(name);
      if (!values) throw new InputError(`column '${name ?? f}' is missing from the table to explain`, 'pass every column the model was trained on');
    } else {
      const index = lookup.featureIndex ? lookup.featureIndex[f] : f;
      values = index === undefined ? undefined : table.columns[index]?.values;
      if (!values) throw new InputError(`the table has no column for tree feature ${f}`, 'pass the table the model was trained on, or featureNames');
    }
    if (values.length < table.rows) throw new InputError(`a column has ${values.length} values for ${table.rows} rows`, 'give every column one value per row');
    columns.push(values);
  }
  return columns;
}

/** Depth of the deepest leaf (the root alone has depth 0). */
export function treeDepth(tree: TreeArrays): number {
  let max = 0;
  const stack: number[] = [0, 0];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const node = stack.pop()!;
    if (tree.left[node]! < 0) {
      if (depth > max) max = depth;
      continue;
    }
    stack.push(tree.left[node]!, depth + 1, tree.right[node]!, depth + 1);
  }
  return max;
}

/** The leaf one row of columns reaches. */
export function treeLeaf(tree: TreeArrays, columns: readonly Float64Array[], row: number): number {
  let node = 0;
  while (tree.left[node]! >= 0) {
    node = goesLeft(tree, node, columns[tree.feature[node]!]![row]!) ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

/** Output of one tree for one row of columns. */
export function treeOutput(tree: TreeArrays, columns: readonly Float64Array[], row: number): number {
  return tree.value[treeLeaf(tree, columns, row)]!;
}
