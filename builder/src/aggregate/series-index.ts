/**
 * Numbers every (stored metric, label, process) seen, so that a dimension group can keep its
 * accumulators in an array indexed by that number instead of nested maps of strings. The
 * per-metric entry also carries what is resolved once per metric name (a histogram's layout, per
 * definitions file).
 * Pure: no I/O.
 */
import type { ProcessType } from '../../../worker/src/core/metric-names';

const PROCESS_COUNT = 3;

/** parent 0, content 1, gpu 2 (the order of PROCESS_TYPES), by identity comparisons. */
export function processIndex(process: ProcessType): number {
  return process === 'parent' ? 0 : process === 'content' ? 1 : 2;
}

export interface MetricEntry<Layout> {
  metric: string;
  /** What the owner resolved for this metric, per definitions file (undefined until it asks). */
  layouts: (Layout | undefined)[];
  /** Series numbers of the label "" per process (-1: not numbered yet). */
  unlabeled: Int32Array;
  /** Series numbers of other labels per process. */
  labeled: Map<string, Int32Array> | undefined;
}

export class SeriesIndex<Layout> {
  private readonly metrics = new Map<string, MetricEntry<Layout>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  entry(metric: string): MetricEntry<Layout> {
    let entry = this.metrics.get(metric);
    if (entry === undefined) {
      entry = { metric, layouts: [], unlabeled: new Int32Array(PROCESS_COUNT).fill(-1), labeled: undefined };
      this.metrics.set(metric, entry);
    }
    return entry;
  }

  /** The series number of (entry's metric, label, process index), numbering it when new. */
  series(entry: MetricEntry<Layout>, label: string, process: number): number {
    let ids = entry.unlabeled;
    if (label !== '') {
      let labeled = entry.labeled;
      if (labeled === undefined) entry.labeled = labeled = new Map();
      let found = labeled.get(label);
      if (found === undefined) labeled.set(label, (found = new Int32Array(PROCESS_COUNT).fill(-1)));
      ids = found;
    }
    let id = ids[process] as number;
    if (id < 0) ids[process] = id = this.count++;
    return id;
  }
}
