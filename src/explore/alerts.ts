/**
 * Data-quality alerts, ydata-profiling's set and a few more (placeholders, values stored as
 * strings, padded strings). Pure functions of a finished column profile: no data access.
 */
import type { ColumnProfile, CorrelationMatrix, ProfileAlert, ValueCount } from './profile-types.js';
import { PLACEHOLDER_NUMBERS } from './types/index.js';
import { percent } from './percent.js';

export const ALERT_THRESHOLDS = {
  /** categorical columns with more distinct values than this */
  highCardinality: 50,
  /** |skewness| above this */
  skewness: 10,
  /** normalised entropy below 1 − this; and the top value share above `imbalanceTopShare` */
  imbalance: 0.5,
  imbalanceTopShare: 0.9,
  /** missing share above this (warning above 0.5) */
  missing: 0.05,
  /** zeros share above this */
  zeros: 0.1,
  /** outlier share above this */
  outliers: 0.05,
  /** |correlation| above this */
  correlation: 0.9,
  /** share of numbers (or dates) among strings between these means mixed types */
  mixedLow: 0.1,
  mixedHigh: 0.9,
  /** chi-square p-value above this counts as uniform */
  uniformP: 0.999,
} as const;

export interface ColumnAlertContext {
  /** numbers parsed out of strings */
  readonly numbersAsStrings: boolean;
  /** dates parsed out of strings, with their format */
  readonly datesAsStrings: string | null;
  readonly booleansAsStrings: boolean;
  /** shares of numbers and dates among the sampled strings (for mixed types) */
  readonly numberShare: number | null;
  readonly dateShare: number | null;
}

export function columnAlerts(column: ColumnProfile, context: ColumnAlertContext): ProfileAlert[] {
  const alerts: ProfileAlert[] = [];
  const name = column.name;
  const add = (kind: ProfileAlert['kind'], severity: ProfileAlert['severity'], message: string, value: number | null = null) =>
    alerts.push({ kind, column: name, severity, message, value });
  const nonMissing = column.count - column.missing;

  if (column.semanticType === 'empty' || nonMissing === 0) {
    add('empty', 'warning', `${name} has no values`, column.missingShare);
    return alerts;
  }
  if (column.semanticType === 'constant') add('constant', 'warning', `${name} has one value only (${column.topValues[0]?.value ?? '?'})`, 1);
  if (column.missingShare > ALERT_THRESHOLDS.missing) {
    add('many_missing', column.missingShare > 0.5 ? 'warning' : 'info', `${name} has ${percent(column.missingShare)} missing values`, column.missingShare);
  }
  if (column.unique && nonMissing > 1 && column.semanticType !== 'constant') add('unique', 'info', `${name} has unique values`, 1);
  if (column.semanticType === 'categorical' && column.distinct > ALERT_THRESHOLDS.highCardinality) {
    add('high_cardinality', 'warning', `${name} has a high cardinality: ${column.distinct} distinct values`, column.distinct);
  }

  const numeric = column.numeric;
  const isMeasure = column.semanticType === 'numeric';
  if (numeric) {
    if (isMeasure && numeric.skewness !== null && Math.abs(numeric.skewness) > ALERT_THRESHOLDS.skewness) {
      add('skewed', 'info', `${name} is highly skewed (γ1 = ${numeric.skewness.toFixed(1)})`, numeric.skewness);
    }
    const zeroShare = numeric.zeros / nonMissing;
    if (isMeasure && zeroShare > ALERT_THRESHOLDS.zeros) add('zeros', 'info', `${name} has ${percent(zeroShare)} zeros`, zeroShare);
    if (numeric.infinite > 0) add('infinite', 'warning', `${name} has ${numeric.infinite} infinite values`, numeric.infinite);
    const outlierShare = numeric.outliers / nonMissing;
    if (isMeasure && outlierShare > ALERT_THRESHOLDS.outliers) {
      add('outliers', 'info', `${name} has ${percent(outlierShare)} values beyond 1.5 IQR of the quartiles`, outlierShare);
    }
    if (isMeasure && numeric.histogram.length >= 5 && uniformPValue(numeric.histogram.map((b) => b.count)) > ALERT_THRESHOLDS.uniformP) {
      add('uniform', 'info', `${name} is uniformly distributed`, null);
    }
  }
  if (column.semanticType === 'categorical' || column.semanticType === 'boolean') {
    const complete = column.topValues.reduce((s, v) => s + v.count, 0) >= nonMissing;
    if (complete && column.topValues.length >= 2) {
      const counts = column.topValues.map((v) => v.count);
      const balance = normalisedEntropy(counts);
      const topShare = (counts[0] ?? 0) / nonMissing;
      if (1 - balance > ALERT_THRESHOLDS.imbalance || topShare > ALERT_THRESHOLDS.imbalanceTopShare) {
        add('imbalanced', 'info', `${name} is imbalanced: "${column.topValues[0]?.value}" is ${percent(topShare)} of values`, topShare);
      }
      if (column.topValues.length >= 3 && uniformPValue(counts) > ALERT_THRESHOLDS.uniformP) {
        add('uniform', 'info', `${name} has equally frequent categories`, null);
      }
    }
  }

  const placeholders = meaningfulPlaceholders(column);
  if (placeholders.length > 0) {
    const total = placeholders.reduce((s, p) => s + p.count, 0);
    const list = placeholders.slice(0, 4).map((p) => `"${p.value}" ×${p.count}`).join(', ');
    add('placeholder', 'warning', `${name} uses placeholder values for missing data: ${list}`, total / column.count);
  }
  if (column.strings) {
    if (column.strings.blank > 0) add('blank_strings', 'warning', `${name} has ${column.strings.blank} blank strings`, column.strings.blank / column.count);
    const padded = column.strings.padded - column.strings.blank;
    if (padded > 0) add('leading_trailing_space', 'info', `${name} has ${padded} values with leading or trailing spaces`, padded / column.count);
  }
  if (context.datesAsStrings !== null) add('date_as_string', 'info', `${name} holds dates stored as strings (${context.datesAsStrings})`, null);
  if (context.numbersAsStrings) add('number_as_string', 'info', `${name} holds numbers stored as strings`, null);
  if (context.booleansAsStrings) add('boolean_as_string', 'info', `${name} holds yes/no values stored as strings`, null);
  const mixed = [context.numberShare, context.dateShare].find(
    (s) => s !== null && s > ALERT_THRESHOLDS.mixedLow && s < ALERT_THRESHOLDS.mixedHigh,
  );
  if (mixed !== undefined && mixed !== null) add('mixed_types', 'warning', `${name} mixes numbers or dates (${percent(mixed)}) with other text`, mixed);
  return alerts;
}

/** Placeholders worth a warning: words always (blank strings have their own alert); numeric sentinels only at an extreme. */
function meaningfulPlaceholders(column: ColumnProfile): ValueCount[] {
  const numeric = column.numeric;
  return column.placeholders.filter((p) => {
    if (p.value === null || p.value.trim() === '') return false;
    if (column.strings) return true;
    const v = Number(p.value);
    if (!numeric || !PLACEHOLDER_NUMBERS.includes(v)) return false;
    return (v === numeric.min || v === numeric.max) && p.count >= 2;
  });
}

export function tableAlerts(
  rows: number,
  duplicateRows: number | null,
  correlations: readonly CorrelationMatrix[],
): ProfileAlert[] {
  const alerts: ProfileAlert[] = [];
  if (duplicateRows !== null && duplicateRows > 0 && rows > 0) {
    const share = duplicateRows / rows;
    alerts.push({ kind: 'duplicate_rows', column: null, severity: 'warning', message: `${duplicateRows} duplicate rows (${percent(share)})`, value: share });
  }
  const auto = correlations.find((m) => m.method === 'auto');
  if (auto) {
    auto.columns.forEach((a, i) => {
      auto.columns.forEach((b, j) => {
        const r = auto.values[i]?.[j];
        if (j > i && r !== null && r !== undefined && Math.abs(r) > ALERT_THRESHOLDS.correlation) {
          alerts.push({ kind: 'high_correlation', column: a, severity: 'info', message: `${a} is highly correlated with ${b} (${r.toFixed(2)})`, value: r });
        }
      });
    });
  }
  return alerts;
}

/** Entropy of the counts divided by log(k): 1 for perfectly balanced, 0 for one class. */
export function normalisedEntropy(counts: readonly number[]): number {
  const total = counts.reduce((s, c) => s + c, 0);
  if (total === 0 || counts.length < 2) return 1;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log(c / total);
  return h / Math.log(counts.length);
}

/** p-value of the chi-square goodness-of-fit test against equal frequencies. */
export function uniformPValue(counts: readonly number[]): number {
  const k = counts.length;
  const total = counts.reduce((s, c) => s + c, 0);
  if (k < 2 || total === 0) return 0;
  const expected = total / k;
  let stat = 0;
  for (const c of counts) stat += ((c - expected) * (c - expected)) / expected;
  return chiSquareSurvival(stat, k - 1);
}

/** Upper tail of the chi-square distribution: Q(df/2, x/2), the regularised upper incomplete gamma. */
export function chiSquareSurvival(stat: number, df: number): number {
  if (stat <= 0) return 1;
  return upperGammaQ(df / 2, stat / 2);
}

function upperGammaQ(a: number, x: number): number {
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // series for P(a, x)
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix));
  }
  // Lentz's continued fraction for Q(a, x)
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lnPrefix) * h);
}

/** Lanczos approximation of ln Γ(z), z > 0. */
function logGamma(z: number): number {
  const g = 7;
  const coef = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let sum = coef[0]!;
  for (let i = 1; i < g + 2; i++) sum += coef[i]! / (x + i);
  const t = x + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

