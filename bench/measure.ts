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
