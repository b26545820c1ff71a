/** What a client loop saw: answers by status and by the slot header, and failures (network errors). */
export interface LoopResult {
  readonly byStatus: Map<number, number>;
  readonly bySlot: Map<string, number>;
  readonly byVersion: Map<string, number>;
  readonly failures: string[];
  readonly requests: number;
}

/**
 * Real HTTP clients sending scoring requests back to back until `until` resolves: `concurrency`
 * loops, each waiting for its answer before the next request. Network errors are failures.
 */
export async function loadLoop(url: string, body: unknown, concurrency: number, until: Promise<unknown>, onAnswer?: (version: string) => void): Promise<LoopResult> {
  const byStatus = new Map<number, number>();
  const bySlot = new Map<string, number>();
  const byVersion = new Map<string, number>();
  const failures: string[] = [];
  let done = false;
  let requests = 0;
  void until.finally(() => (done = true));
  const text = JSON.stringify(body);
  const loop = async () => {
    while (!done) {
      requests++;
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
        await response.arrayBuffer();
        byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
        const slot = response.headers.get('x-model-slot') ?? '';
        bySlot.set(slot, (bySlot.get(slot) ?? 0) + 1);
        const version = response.headers.get('x-model-version') ?? '';
        byVersion.set(version, (byVersion.get(version) ?? 0) + 1);
        onAnswer?.(version);
      } catch (error) {
        failures.push(error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { byStatus, bySlot, byVersion, failures, requests };
}

/** Waits until `check` holds (polled every 50 ms), or throws after `ms`: a server following its deployment record. */
export async function until(check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('the server did not follow the deployment');
    await new Promise((r) => setTimeout(r, 50));
  }
}
