import type { HistogramBuilder, GrowData } from './histogram.js';
import type { Rng } from '../random.js';
import { sampleSubset } from '../random.js';
import { findBestSplit, newStats, numericLeftBins, type NodeStats, type SplitCandidate, type SplitParams } from './split-finder.js';

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

interface Leaf {
  readonly node: number;
  readonly begin: number;
  readonly end: number;
  readonly depth: number;
  readonly stats: NodeStats;
  hist: Float64Array | null;
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
    const nodes = new NodeList(m);

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
    const root: Leaf = { node: nodes.add(rootStats), begin: 0, end: order.length, depth: 0, stats: rootStats, hist: rootHist, split: null };
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
        const node = layout === undefined ? { rows: order, begin: leaf.begin, end: leaf.end } : undefined;
        leaf.split = findBestSplit(hist, this.#data, candidates, this.#builder.channels, this.#builder.hasCount, leaf.stats, p, p.randomThresholds ? rng : null, node);
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
      const leftLeaf: Leaf = { node: leftNode, begin: leaf.begin, end: mid, depth, stats: leftStats, hist: null, split: null };
      const rightLeaf: Leaf = { node: rightNode, begin: mid, end: leaf.end, depth, stats: rightStats, hist: null, split: null };
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
    return findBestSplit(leaf.hist!, this.#data, candidates, this.#builder.channels, this.#builder.hasCount, leaf.stats, p, p.randomThresholds ? rng : null);
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

class NodeList {
  readonly feature: number[] = [];
  readonly thresholdBin: number[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly defaultLeft: number[] = [];
  readonly isCategorical: number[] = [];
  readonly gain: number[] = [];
  readonly sums: number[] = [];
  readonly hess: number[] = [];
  readonly count: number[] = [];
  readonly catLeftBins = new Map<number, Uint8Array>();

  constructor(readonly channels: number) {}

  add(stats: NodeStats): number {
    const id = this.feature.length;
    this.feature.push(-1);
    this.thresholdBin.push(-1);
    this.left.push(-1);
    this.right.push(-1);
    this.defaultLeft.push(0);
    this.isCategorical.push(0);
    this.gain.push(0);
    for (let k = 0; k < this.channels; k++) this.sums.push(stats.sum[k]!);
    this.hess.push(stats.hess);
    this.count.push(stats.count);
    return id;
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

  finish(rows: Uint32Array, leaves: readonly Leaf[]): GrownTree {
    const leafNode = new Int32Array(leaves.length);
    const leafBegin = new Int32Array(leaves.length);
    const leafEnd = new Int32Array(leaves.length);
    leaves.forEach((leaf, i) => {
      leafNode[i] = leaf.node;
      leafBegin[i] = leaf.begin;
      leafEnd[i] = leaf.end;
    });
    return {
      numNodes: this.feature.length,
      channels: this.channels,
      feature: Int32Array.from(this.feature),
      thresholdBin: Int32Array.from(this.thresholdBin),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      isCategorical: Uint8Array.from(this.isCategorical),
      catLeftBins: this.catLeftBins,
      gain: Float64Array.from(this.gain),
      sums: Float64Array.from(this.sums),
      hess: Float64Array.from(this.hess),
      count: Float64Array.from(this.count),
      rows,
      leafNode,
      leafBegin,
      leafEnd,
    };
  }
}
