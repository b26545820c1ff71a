import type { ExploreProgress } from '../../app/explore.js';
import { redactSecrets } from '../../common/index.js';
import { liveLine } from '../live-line.js';

/** What each later stage of exploration is doing, in words. */
const STAGE_WORDS: Readonly<Record<string, string>> = {
  'explore.relationships': 'looking for relationships across the tables',
  'explore.suggest': 'suggesting tags',
  'explore.target': 'round 2: the target against every column',
  'explore.report': 'writing the HTML report',
};

export interface ExploreProgressPrinter {
  update(event: ExploreProgress): void;
  done(): void;
}

/**
 * Exploration's progress on stderr (stdout stays the answer). On a terminal: a live line with the
 * table being profiled, its place among the tables of this run, the profiling steps ended and the
 * time so far, and one line kept per table profiled and per later stage. Elsewhere one plain line
 * per table. The caller shows none with --json.
 */
export function exploreProgressPrinter(): ExploreProgressPrinter {
  if (process.stderr.isTTY !== true) {
    return {
      update(event) {
        if (event.phase === 'profiling') process.stderr.write(redactSecrets(`profiling ${event.table}…\n`));
        else if (event.phase === 'profiled') process.stderr.write(redactSecrets(`profiled ${event.table} in ${seconds(event.ms)}\n`));
      },
      done() {},
    };
  }
  const live = liveLine();
  const started = performance.now();
  let tables = 0;
  let index = 0;
  let steps = 0;
  let tableStarted = started;
  /** the live line's text after its clock; redrawn every second, so that a long step does not look stuck */
  let current: string | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const elapsed = () => `[${((performance.now() - started) / 1000).toFixed(1)}s]`;
  const place = () => (tables > 0 ? ` (${index}/${tables})` : '');
  const draw = (text: string) => {
    current = redactSecrets(text);
    live.draw(`${elapsed()} ${current}`);
    ticker ??= setInterval(() => current !== undefined && live.draw(`${elapsed()} ${current}`), 1000).unref();
  };
  return {
    update(event) {
      switch (event.phase) {
        case 'stage':
          if (event.stage === 'explore.table') tables = event.units;
          else draw(`${STAGE_WORDS[event.stage] ?? event.stage}…`);
          break;
        case 'profiling':
          index++;
          steps = 0;
          tableStarted = performance.now();
          draw(`profiling ${event.table}${place()}…`);
          break;
        case 'step': {
          steps++;
          const soFar = seconds(performance.now() - tableStarted);
          draw(`profiling ${event.table}${place()}: ${event.step.replace(/_/g, ' ')} done in ${seconds(event.ms)} (${steps} steps, ${soFar})`);
          break;
        }
        case 'profiled':
          current = undefined;
          live.keep(redactSecrets(`profiled ${event.table}${place()} in ${seconds(event.ms)}`));
          break;
      }
    },
    done() {
      clearInterval(ticker);
      ticker = undefined;
      current = undefined;
      live.end();
    },
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
