import type { HistogramBuilder, GrowData } from './histogram.js';
import type { Rng } from '../random.js';
import { sampleSubset } from '../random.js';
import { findBestSplit, newStats, numericLeftBins, type NodeStats, type SplitCandidate, type SplitParams } from './split-finder.js';
import { BIN_SET_WORDS, markColumnBins, markLayoutBins } from './bin-sets.js';

export interface GrowParams extends SplitParams {
  /** most leaves; Infinity for none */
  readonly maxLeaves: number;
  /** 0 = unlimited */
  readonly maxDepth: number;
  /** split the open leaf with the largest gain first (boosting); otherwise depth-first (forests) */
  readonly bestFirst: boolean;
  /** features drawn at random for each node (forests); 0 = all of the tree's features */
  readonly featuresPerNode: number;
}

/**
 * A grown tree in bin space: node arrays (node 0 = root, children appended), the per-node sums,
 * and the training rows partitioned by leaf (`rows[leafBegin[i]..leafEnd[i])` reach `leafNode[i]`).
 * Its arrays are the grower's, valid until it grows the next tree (`toTreeArrays` copies what is kept).
 */
export interface GrownTree {
  readonly numNodes: number;
  readonly channels: number;
  readonly feature: Int32Array;
  readonly thresholdBin: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly defaultLeft: Uint8Array;
  readonly isCategorical: Uint8Array;
  /** for categorical nodes, bins (= category codes) going left, missing bin excluded */
  readonly catLeftBins: ReadonlyMap<number, Uint8Array>;
  readonly gain: Float64Array;
  /** node sums: sums[node * channels + m] */
  readonly sums: Float64Array;
  readonly hess: Float64Array;
  readonly count: Float64Array;
  readonly rows: Uint32Array;
  readonly leafNode: Int32Array;
  readonly leafBegin: Int32Array;
  readonly leafEnd: Int32Array;
}

/** Forest nodes of at most this many rows are scanned over the bins their rows fill. */
const SPARSE_MAX_ROWS = 96;
/** Boosting: a node whose histogram came from at most 1/2^this rows per slot of a feature is scanned over the bins those rows fill. */
const SPARSE_SLOT_SHIFT = 2;

interface Leaf {
  readonly node: number;
  readonly begin: number;
  readonly end: number;
  readonly depth: number;
  readonly stats: NodeStats;
  hist: Float64Array | null;
  /**
   * positions [builtBegin, builtEnd) of the nearest node, this one or an ancestor, whose histogram
   * was built from its rows: this node's histogram is that one less histograms built from some of
   * those rows, so it is zero outside the bins they fall in (rounding residues included)
   */
  builtBegin: number;
  builtEnd: number;
  split: SplitCandidate | null;
}

/**
 * Grows trees on one binned dataset. Keeps its histogram pool and row buffers between trees, so
 * a boosting run allocates them once.
 */
export class TreeGrower {
  readonly #data: GrowData;
  readonly #params: GrowParams;
  readonly #stride: number;
  readonly #pool: Float64Array[] = [];
  readonly #order: Uint32Array;
  readonly #scratch: Uint32Array;
  /** the bins going left of the numeric split being made */
  readonly #numericLeft = new Uint8Array(256);
  readonly #nodes: NodeList;
  /** the bins a small node's rows fill (bin-sets.ts), for its scan */
  readonly #bins: Int32Array;
  /** a built histogram of at most this many rows is scanned over the bins its rows fill */
  readonly #sparseRows: number;
  /**
   * [begin, end) of each feature's used slots in a histogram: every feature owns 2^k slots but
   * most use a few (a 12-category column, a small integer); zeroing and subtracting only these
   * is what keeps wide tables with short columns fast
   */
  readonly #spans: Int32Array;
  #builder: HistogramBuilder;

  constructor(data: GrowData, builder: HistogramBuilder, params: GrowParams) {
    this.#data = data;
    this.#builder = builder;
    this.#params = { ...params, minDataInLeaf: Math.max(1, params.minDataInLeaf) };
    this.#stride = builder.channels + (builder.hasCount ? 2 : 1);
    // with a row layout, the order lives beside it (in shared memory when threads move rows)
    this.#order = builder.layout?.order ?? new Uint32Array(data.rows);
    this.#scratch = new Uint32Array(data.rows);
    this.#bins = new Int32Array(data.numFeatures * BIN_SET_WORDS);
    this.#nodes = new NodeList(builder.channels);
    // boosting: marking costs a row's features, listing a filled bin ~3 skipped ones
    this.#sparseRows = builder.layout === undefined ? 0 : (1 << data.slotShift) >> SPARSE_SLOT_SHIFT;
    this.#spans = new Int32Array(2 * data.numFeatures);
    for (let f = 0; f < data.numFeatures; f++) {
      this.#spans[2 * f] = data.binOffset[f]! * this.#stride;
      this.#spans[2 * f + 1] = (data.binOffset[f]! + data.numBins[f]! + 1) * this.#stride;
    }
  }

  setBuilder(builder: HistogramBuilder): void {
    if (builder.channels !== this.#builder.channels || builder.hasCount !== this.#builder.hasCount) throw new Error('histogram builder channels changed');
    this.#builder = builder;
  }

  #acquire(): Float64Array {
    if (this.#builder.acquire !== undefined) return this.#builder.acquire();
    const h = this.#pool.pop();
    if (h !== undefined) {
      // slots beyond a feature's bins are never written, so they are still zero
      const spans = this.#spans;
      for (let j = 0; j < spans.length; j += 2) h.fill(0, spans[j]!, spans[j + 1]!);
      return h;
    }
    return new Float64Array(this.#data.totalBins * this.#stride);
  }

  /** A histogram whose slots of `features` are zeroed (only those are built and read). */
  #acquireFor(features: Int32Array): Float64Array {
    if (this.#builder.acquire !== undefined) return this.#builder.acquire();
    const h = this.#pool.pop() ?? new Float64Array(this.#data.totalBins * this.#stride);
    const spans = this.#spans;
    for (let j = 0; j < features.length; j++) h.fill(0, spans[2 * features[j]!]!, spans[2 * features[j]! + 1]!);
    return h;
  }

  #release(h: Float64Array | null): void {
    if (h === null) return;
    if (this.#builder.release !== undefined) this.#builder.release(h);
    else this.#pool.push(h);
  }

  /** Grows one tree on `sample` (row indices, ascending) using `features`. */
  grow(sample: Uint32Array, features: Int32Array, rng: Rng): GrownTree {
    const p = this.#params;
    const m = this.#builder.channels;
    const s = this.#stride;
    const data = this.#data;
    const order = this.#order.subarray(0, sample.length);
    const layout = this.#builder.layout;
    if (layout !== undefined && layout.keepsOrder(sample.length)) layout.refreshGradients(order, order.length);
    else {
      order.set(sample);
      layout?.load(order, order.length);
    }
    const nodes = this.#nodes;
    nodes.reset();

    // with features drawn per node (forests), each node builds its own histogram of just those
    // features: cheaper than subtracting full histograms, which small nodes would pay for in full
    const subtract = !(p.featuresPerNode > 0 && p.featuresPerNode < features.length);
    const rootHist = subtract ? this.#acquire() : this.#acquireFor(features.subarray(0, 1));
    this.#builder.build(rootHist, order, 0, order.length, subtract ? features : features.subarray(0, 1));
    const rootStats = newStats(m);
    {
      const f = features[0]!;
      const off = data.binOffset[f]!;
      for (let b = 0; b <= data.numBins[f]!; b++) {
        const i = (off + b) * s;
        for (let k = 0; k < m; k++) rootStats.sum[k]! += rootHist[i + k]!;
        rootStats.hess += rootHist[i + m]!;
      }
      rootStats.count = order.length;
    }
    const root: Leaf = { node: nodes.add(rootStats), begin: 0, end: order.length, depth: 0, stats: rootStats, hist: rootHist, builtBegin: 0, builtEnd: order.length, split: null };
    const open: Leaf[] = [];
    const done: Leaf[] = [];
    let numLeaves = 1;
    if (!subtract) {
      this.#release(rootHist);
      root.hist = null;
    }
    const settle = (leaf: Leaf, canSplit: boolean): void => {
      if (canSplit && !subtract) {
        const candidates = sampleSubset(rng, features, p.featuresPerNode);
        const hist = this.#acquireFor(candidates);
        this.#builder.build(hist, order, leaf.begin, leaf.end, candidates);
        // without a row layout, `order` holds row ids: small nodes scan only the bins their rows fill
        let bins: Int32Array | null = null;
        if (layout === undefined && this.#builder.hasCount && data.columns.length > 0 && leaf.end - leaf.begin <= SPARSE_MAX_ROWS) {
          bins = this.#bins;
          markColumnBins(data.columns, candidates, order, leaf.begin, leaf.end, bins);
        }
        leaf.split = findBestSplit(hist, this.#data, candidates, this.#builder.channels, this.#builder.hasCount, leaf.stats, p, p.randomThresholds ? rng : null, bins);
        this.#release(hist);
      } else if (canSplit && leaf.hist !== null) leaf.split = this.#findSplit(leaf, features, rng);
      if (leaf.split === null) {
        this.#release(leaf.hist);
        leaf.hist = null;
        done.push(leaf);
      } else open.push(leaf);
    };
    settle(root, p.maxLeaves > 1 && this.#splittable(root.stats.count, 0));

    while (open.length > 0 && numLeaves < p.maxLeaves) {
      let pick = open.length - 1;
      if (p.bestFirst) {
        for (let i = 0; i < open.length; i++) if (open[i]!.split!.gain > open[pick]!.split!.gain) pick = i;
      }
      const leaf = open[pick]!;
      open.splice(pick, 1);
      const split = leaf.split!;
      const goesLeft = split.isCategorical ? split.leftBins : numericLeftBins(data.numBins[split.feature]!, split.thresholdBin, split.defaultLeft, this.#numericLeft);
      // a builder sharing rows with threads builds the smaller child's histogram (smaller by the
      // split's estimated counts) while partitioning: one hand-off between threads instead of two
      let fused: Float64Array | null = null;
      const fusedSmallIsLeft = 2 * split.left.count <= leaf.end - leaf.begin;
      let mid: number | undefined;
      if (subtract && numLeaves + 1 < p.maxLeaves && this.#builder.partitionAndBuild !== undefined) {
        fused = this.#acquire();
        mid = this.#builder.partitionAndBuild(leaf.begin, leaf.end, split.feature, goesLeft, fusedSmallIsLeft, fused, features);
        if (mid === undefined) {
          this.#release(fused);
          fused = null;
        }
      }
      mid ??= this.#partition(order, leaf.begin, leaf.end, split.feature, goesLeft);
      // counts from the partition are exact (the histogram may only estimate them)
      const leftStats: NodeStats = { sum: split.left.sum, hess: split.left.hess, count: mid - leaf.begin };
      const rightStats = newStats(m);
      for (let k = 0; k < m; k++) rightStats.sum[k] = leaf.stats.sum[k]! - leftStats.sum[k]!;
      rightStats.hess = leaf.stats.hess - leftStats.hess;
      rightStats.count = leaf.end - mid;
      const leftNode = nodes.add(leftStats);
      const rightNode = nodes.add(rightStats);
      nodes.setSplit(leaf.node, split, leftNode, rightNode);
      numLeaves++;
      const depth = leaf.depth + 1;
      const lastSplit = numLeaves >= p.maxLeaves;
      const leftLeaf: Leaf = { node: leftNode, begin: leaf.begin, end: mid, depth, stats: leftStats, hist: null, builtBegin: leaf.builtBegin, builtEnd: leaf.builtEnd, split: null };
      const rightLeaf: Leaf = { node: rightNode, begin: mid, end: leaf.end, depth, stats: rightStats, hist: null, builtBegin: leaf.builtBegin, builtEnd: leaf.builtEnd, split: null };
      const leftOk = !lastSplit && this.#splittable(leftStats.count, depth);
      const rightOk = !lastSplit && this.#splittable(rightStats.count, depth);
      if (subtract && (leftOk || rightOk)) {
        // histogram subtraction: build the smaller child, the larger is parent − smaller
        const smallIsLeft = fused !== null ? fusedSmallIsLeft : mid - leaf.begin <= leaf.end - mid;
        const small = smallIsLeft ? leftLeaf : rightLeaf;
        const large = smallIsLeft ? rightLeaf : leftLeaf;
        let smallHist = fused;
        if (smallHist === null) {
          smallHist = this.#acquire();
          this.#builder.build(smallHist, order, small.begin, small.end, features);
        }
        const parentHist = leaf.hist!;
        if (layout !== undefined) layout.subtractHistogram(parentHist, smallHist);
        else {
          const spans = this.#spans;
          for (let j = 0; j < spans.length; j += 2) {
            for (let i = spans[j]!, end = spans[j + 1]!; i < end; i++) parentHist[i]! -= smallHist[i]!;
          }
        }
        small.hist = smallHist;
        small.builtBegin = small.begin;
        small.builtEnd = small.end;
        large.hist = parentHist;
      } else {
        this.#release(leaf.hist);
        this.#release(fused);
      }
      leaf.hist = null;
      settle(leftLeaf, leftOk);
      settle(rightLeaf, rightOk);
    }
    for (const leaf of open) {
      this.#release(leaf.hist);
      leaf.hist = null;
      done.push(leaf);
    }
    done.sort((a, b) => a.begin - b.begin);
    return nodes.finish(order, done);
  }

  #splittable(count: number, depth: number): boolean {
    const p = this.#params;
    return count >= 2 * p.minDataInLeaf && (p.maxDepth <= 0 || depth < p.maxDepth);
  }

  #findSplit(leaf: Leaf, features: Int32Array, rng: Rng): SplitCandidate | null {
    const p = this.#params;
    const candidates = p.featuresPerNode > 0 && p.featuresPerNode < features.length ? sampleSubset(rng, features, p.featuresPerNode) : features;
    // not the node's own rows: a subtracted histogram holds rounding residues in bins its rows
    // left, which the full scan reads
    const layout = this.#builder.layout;
    let bins: Int32Array | null = null;
    if (layout !== undefined && leaf.builtEnd - leaf.builtBegin <= this.#sparseRows) {
      bins = this.#bins;
      markLayoutBins(layout.codes, layout.stride, this.#data.numFeatures, leaf.builtBegin, leaf.builtEnd, bins);
    }
    return findBestSplit(leaf.hist!, this.#data, candidates, this.#builder.channels, this.#builder.hasCount, leaf.stats, p, p.randomThresholds ? rng : null, bins);
  }

  /** Stable in-place partition of order[begin..end) by goesLeft[bin of feature]; returns where the right side starts. */
  #partition(order: Uint32Array, begin: number, end: number, feature: number, goesLeft: Uint8Array): number {
    const layout = this.#builder.layout;
    if (layout !== undefined) return layout.partition(order, begin, end, feature, goesLeft);
    const column = this.#data.columns[feature]!;
    const scratch = this.#scratch;
    let w = begin;
    let k = 0;
    // branch-free: a left/right branch here is a coin flip the CPU keeps mispredicting
    for (let i = begin; i < end; i++) {
      const r = order[i]!;
      const left = goesLeft[column[r]!]!;
      order[w] = r;
      scratch[k] = r;
      w += left;
      k += 1 - left;
    }
    order.set(scratch.subarray(0, k), w);
    return w;
  }
}

/**
 * The nodes of the tree being grown, in typed arrays kept from tree to tree (grown when a tree
 * needs more): a small tree's dozen arrays, made anew for each of thousands of trees, were a good
 * part of the garbage collector's work.
 */
class NodeList {
  #size = 0;
  #capacity = 0;
  feature = new Int32Array(0);
  thresholdBin = new Int32Array(0);
  left = new Int32Array(0);
  right = new Int32Array(0);
  defaultLeft = new Uint8Array(0);
  isCategorical = new Uint8Array(0);
  gain = new Float64Array(0);
  sums = new Float64Array(0);
  hess = new Float64Array(0);
  count = new Float64Array(0);
  leafNode = new Int32Array(0);
  leafBegin = new Int32Array(0);
  leafEnd = new Int32Array(0);
  readonly catLeftBins = new Map<number, Uint8Array>();

  constructor(readonly channels: number) {}

  /** Starts a new tree. */
  reset(): void {
    this.#size = 0;
    this.catLeftBins.clear();
  }

  add(stats: NodeStats): number {
    const id = this.#size;
    if (id === this.#capacity) this.#grow(Math.max(64, 2 * id));
    this.#size++;
    this.feature[id] = -1;
    this.thresholdBin[id] = -1;
    this.left[id] = -1;
    this.right[id] = -1;
    this.defaultLeft[id] = 0;
    this.isCategorical[id] = 0;
    this.gain[id] = 0;
    for (let k = 0; k < this.channels; k++) this.sums[id * this.channels + k] = stats.sum[k]!;
    this.hess[id] = stats.hess;
    this.count[id] = stats.count;
    return id;
  }

  #grow(capacity: number): void {
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(old: T, make: (length: number) => T, width = 1): T => {
      const next = make(capacity * width);
      next.set(old as never);
      return next;
    };
    this.feature = grow(this.feature, (n) => new Int32Array(n));
    this.thresholdBin = grow(this.thresholdBin, (n) => new Int32Array(n));
    this.left = grow(this.left, (n) => new Int32Array(n));
    this.right = grow(this.right, (n) => new Int32Array(n));
    this.defaultLeft = grow(this.defaultLeft, (n) => new Uint8Array(n));
    this.isCategorical = grow(this.isCategorical, (n) => new Uint8Array(n));
    this.gain = grow(this.gain, (n) => new Float64Array(n));
    this.sums = grow(this.sums, (n) => new Float64Array(n), this.channels);
    this.hess = grow(this.hess, (n) => new Float64Array(n));
    this.count = grow(this.count, (n) => new Float64Array(n));
    // a tree has fewer leaves than nodes
    this.leafNode = new Int32Array(capacity);
    this.leafBegin = new Int32Array(capacity);
    this.leafEnd = new Int32Array(capacity);
    this.#capacity = capacity;
  }

  setSplit(node: number, split: SplitCandidate, left: number, right: number): void {
    this.feature[node] = split.feature;
    this.left[node] = left;
    this.right[node] = right;
    this.gain[node] = split.gain;
    this.isCategorical[node] = split.isCategorical ? 1 : 0;
    let defaultLeft = split.defaultLeft;
    if (split.isCategorical) {
      this.catLeftBins.set(node, split.leftBins.subarray(0, split.leftBins.length - 1));
    } else {
      this.thresholdBin[node] = split.thresholdBin;
      // no missing values seen here: send them where most training rows went
      if (!split.hadMissing) defaultLeft = split.left.count * 2 >= this.count[node]! ? 1 : 0;
    }
    this.defaultLeft[node] = defaultLeft;
  }

  /** The tree: views of this list's arrays, valid until the next tree starts. */
  finish(rows: Uint32Array, leaves: readonly Leaf[]): GrownTree {
    const n = this.#size;
    const numLeaves = leaves.length;
    for (let i = 0; i < numLeaves; i++) {
      this.leafNode[i] = leaves[i]!.node;
      this.leafBegin[i] = leaves[i]!.begin;
      this.leafEnd[i] = leaves[i]!.end;
    }
    return {
      numNodes: n,
      channels: this.channels,
      feature: this.feature.subarray(0, n),
      thresholdBin: this.thresholdBin.subarray(0, n),
      left: this.left.subarray(0, n),
      right: this.right.subarray(0, n),
      defaultLeft: this.defaultLeft.subarray(0, n),
      isCategorical: this.isCategorical.subarray(0, n),
      catLeftBins: this.catLeftBins,
      gain: this.gain.subarray(0, n),
      sums: this.sums.subarray(0, n * this.channels),
      hess: this.hess.subarray(0, n),
      count: this.count.subarray(0, n),
      rows,
      leafNode: this.leafNode.subarray(0, numLeaves),
      leafBegin: this.leafBegin.subarray(0, numLeaves),
      leafEnd: this.leafEnd.subarray(0, numLeaves),
    };
  }
}
