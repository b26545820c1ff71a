import type { DatetimePart } from './steps.js';

const DAY_MS = 86_400_000;

/** One calendar part (UTC) of a timestamp in milliseconds; NaN stays NaN. */
export function datetimePart(ms: number, part: DatetimePart): number {
  if (!Number.isFinite(ms)) return NaN;
  const d = new Date(ms);
  switch (part) {
    case 'year':
      return d.getUTCFullYear();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'day':
      return d.getUTCDate();
    case 'weekday':
      return d.getUTCDay();
    case 'hour':
      return d.getUTCHours();
    case 'dayofyear':
      return Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
    case 'elapsed_days':
      return ms / DAY_MS;
  }
}

/** Parts worth keeping for these timestamps: the hour only when times of day vary. */
export function chooseDatetimeParts(values: Float64Array): DatetimePart[] {
  let hasTime = false;
  for (const v of values) {
    if (Number.isFinite(v) && v % DAY_MS !== 0) {
      hasTime = true;
      break;
    }
  }
  const parts: DatetimePart[] = ['year', 'month', 'day', 'weekday', 'dayofyear', 'elapsed_days'];
  if (hasTime) parts.splice(4, 0, 'hour');
  return parts;
}
