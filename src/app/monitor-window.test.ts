import { describe, expect, it } from 'vitest';
import { windowStart } from './monitor-model.js';

describe("a time's window, as DuckDB's date_trunc names it", () => {
  it.each([
    // [ISO time, period, DuckDB: CAST(date_trunc(period, TIMESTAMP '…') AS DATE)]
    ['2015-03-18T13:45:00Z', 'day', '2015-03-18'],
    ['2015-03-18T13:45:00Z', 'month', '2015-03-01'],
    ['2015-03-18T13:45:00Z', 'week', '2015-03-16'],
    ['2015-01-01T00:00:00Z', 'week', '2014-12-29'],
    ['2016-02-29T23:59:59Z', 'week', '2016-02-29'],
    ['1969-12-31T12:00:00Z', 'month', '1969-12-01'],
  ] as const)('%s by %s → %s', (iso, period, start) => {
    expect(windowStart(Date.parse(iso), period)).toBe(start);
  });
});
