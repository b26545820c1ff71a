/** Humility counts as one line or cell: `outlying 3 · unseen 1` (rules in name order), `—` when none fired. */
export function humilityText(counts: Readonly<Record<string, number>> | undefined): string {
  const entries = Object.entries(counts ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length > 0 ? entries.map(([rule, n]) => `${rule} ${n}`).join(' · ') : '—';
}
