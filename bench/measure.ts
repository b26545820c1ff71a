import { spawnSync } from 'node:child_process';

/**
 * How benchmarks time a side: wall time, and the CPU time of the whole process (DuckDB's threads
 * included) — on a machine shared with other work, the CPU ratio is the steadier figure.
 */
export async function time<T>(run: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, value };
}

/** A whole process, timed by /usr/bin/time: wall and CPU (user + system, every thread's) seconds. */
export function timedProcess(command: string, args: readonly string[], cwd?: string): { wall: number; cpu: number } {
  const run = spawnSync('/usr/bin/time', ['-f', 'TIMED %e %U %S', command, ...args], { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  const timed = /TIMED ([\d.]+) ([\d.]+) ([\d.]+)/.exec(run.stderr);
  if (run.status !== 0 || !timed) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr}`);
  return { wall: Number(timed[1]), cpu: Number(timed[2]) + Number(timed[3]) };
}

/** A benchmark's `--name value` option from the command line, or `fallback` when it is not given. */
export function option(name: string, fallback: string, args: readonly string[] = process.argv.slice(2)): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}
