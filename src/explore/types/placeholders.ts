/** Words people write instead of leaving a cell empty (compared after lower-casing and trimming). */
export const PLACEHOLDER_STRINGS: readonly string[] = [
  '', 'n/a', 'na', '#n/a', 'null', 'none', 'nil', 'nan', '-', '--', '?', 'unknown', 'missing', 'undefined', 'not available', 'tbd', '.',
];

/** Sentinels that stand for "no value" in numeric columns; flagged only at a column's extremes. */
export const PLACEHOLDER_NUMBERS: readonly number[] = [-9, -99, -999, -9999, -99999, -999999, 999, 9999, 99999, 999999, 9999999];
