/**
 * Semantic type inference: from storage type, full-scan statistics and sampled string formats
 * to one of SemanticType with a confidence and the reasons. Two steps: `planColumn` decides,
 * before the full scan, whether numbers or dates are to be parsed out of text; `inferSemanticType`
 * decides the type once the statistics are known.
 */
import type { SemanticType, ValueCount } from '../profile-types.js';
import type { ColumnPlan, RawColumnStats } from '../stats/index.js';
import { isNumericKind, physicalKind } from './physical-kind.js';
import { BOOLEAN_WORDS, formatShare, type StringFormatStats } from './formats.js';
import { hasCategoryName, hasCodeName, hasIdName, hasTimeName } from './names.js';
import { percent } from '../percent.js';

/** Share of meaningful sampled strings that must parse for the column to be read as numbers/dates. */
export const PARSE_SHARE = 0.9;

export function planColumn(name: string, index: number, physicalType: string, formats: StringFormatStats | null): ColumnPlan {
  const kind = physicalKind(physicalType);
  let numericSource: ColumnPlan['numericSource'] = isNumericKind(kind) ? 'native' : null;
  let temporalSource: string | null = kind === 'temporal' ? 'native' : null;
  if (kind === 'string' && formats && formats.sampled > formats.placeholders) {
    const dateShare = formatShare(formats, formats.datetime);
    const numberShare = formatShare(formats, formats.numeric);
    const leadingZeros = formatShare(formats, formats.leadingZeroDigits);
    if (formats.datetimeFormat !== null && dateShare >= PARSE_SHARE) temporalSource = formats.datetimeFormat;
    else if (numberShare >= PARSE_SHARE && leadingZeros < 0.05 && !hasCodeName(name)) numericSource = 'string';
  }
  return { name, index, physicalType, kind, numericSource, temporalSource, formats };
}

export interface TypeInference {
  readonly semanticType: SemanticType;
  readonly confidence: number;
  readonly reasons: string[];
  /** whole numbers that count time since 1970, in this unit */
  readonly epochUnit?: 'seconds' | 'milliseconds';
}

/** Epoch seconds or milliseconds between 2001 and 2039 (the range where such columns live). */
export function epochUnitOf(min: number | null, max: number | null): 'seconds' | 'milliseconds' | null {
  if (min === null || max === null) return null;
  if (min >= 1e9 && max <= 2.2e9) return 'seconds';
  if (min >= 1e12 && max <= 2.2e12) return 'milliseconds';
  return null;
}

export interface TypeEvidence {
  readonly plan: ColumnPlan;
  readonly stats: RawColumnStats;
  /** exact uniqueness of the non-missing values */
  readonly unique: boolean;
  readonly topValues: readonly ValueCount[];
}

export function inferSemanticType(evidence: TypeEvidence): TypeInference {
  const { plan, stats } = evidence;
  const nonMissing = stats.nonMissing;
  const placeholderCount = stats.placeholders.reduce((s, p) => s + p.count, 0);
  if (nonMissing === 0) return { semanticType: 'empty', confidence: 1, reasons: ['every value is missing'] };
  if (nonMissing - placeholderCount <= 0 && plan.kind === 'string') {
    return { semanticType: 'empty', confidence: 0.9, reasons: ['every value is a placeholder such as "N/A" or blank'] };
  }
  if (stats.distinct === 1 && !stats.distinctApprox) return { semanticType: 'constant', confidence: 1, reasons: ['one distinct value'] };
  if (plan.kind === 'boolean') return { semanticType: 'boolean', confidence: 1, reasons: ['stored as BOOLEAN'] };
  if (plan.kind === 'temporal' || plan.kind === 'time') return { semanticType: 'datetime', confidence: 1, reasons: [`stored as ${plan.physicalType}`] };
  if (plan.temporalSource !== null && stats.temporal) {
    const share = stats.temporal.parsed / Math.max(1, nonMissing - placeholderCount);
    return {
      semanticType: 'datetime',
      confidence: round(Math.min(0.98, 0.5 + share / 2)),
      reasons: [`${percent(share)} of the strings parse as dates (${plan.temporalSource})`],
    };
  }
  if (plan.kind === 'string' && looksBoolean(stats, evidence.topValues)) {
    return { semanticType: 'boolean', confidence: 0.95, reasons: ['two values that read as yes/no'] };
  }
  if (plan.numericSource !== null && stats.numeric) return inferNumeric(evidence);
  if (plan.kind === 'string') return inferString(evidence);
  return { semanticType: 'categorical', confidence: 0.4, reasons: [`stored as ${plan.physicalType}; treated as categories`] };
}

function inferNumeric(evidence: TypeEvidence): TypeInference {
  const { plan, stats, unique } = evidence;
  const numeric = stats.numeric;
  if (!numeric) return { semanticType: 'numeric', confidence: 0.5, reasons: [] };
  const fromText = plan.numericSource === 'string';
  const reasons = fromText ? ['numbers stored as text'] : [];
  const integral = numeric.nonIntegral === 0;
  const distinct = stats.distinct;
  if (distinct === 2 && integral && numeric.min === 0 && numeric.max === 1) {
    return { semanticType: 'boolean', confidence: 0.9, reasons: [...reasons, 'only the values 0 and 1'] };
  }
  const epoch = integral && hasTimeName(plan.name) ? epochUnitOf(numeric.min, numeric.max) : null;
  if (epoch !== null) {
    return { semanticType: 'datetime', confidence: 0.8, reasons: [...reasons, `whole numbers of ${epoch} since 1970 with a time name`], epochUnit: epoch };
  }
  const idName = hasIdName(plan.name);
  if (integral && idName && (numeric.min ?? 0) >= 0) {
    return { semanticType: 'identifier', confidence: unique ? 0.95 : 0.85, reasons: [...reasons, unique ? 'unique whole numbers with an id name' : 'whole numbers with an id name'] };
  }
  if (integral && unique && numeric.min !== null && numeric.max !== null && numeric.min >= 0 && stats.nonMissing >= 20) {
    const span = numeric.max - numeric.min + 1;
    if (span <= stats.nonMissing * 1.05) {
      return { semanticType: 'identifier', confidence: 0.75, reasons: [...reasons, 'unique consecutive whole numbers (a row number)'] };
    }
  }
  if (integral && hasCodeName(plan.name)) {
    return { semanticType: 'categorical', confidence: 0.7, reasons: [...reasons, 'numeric codes'] };
  }
  if (integral && distinct <= 12 && hasCategoryName(plan.name)) {
    return { semanticType: 'categorical', confidence: 0.75, reasons: [...reasons, `${distinct} whole-number codes with a category name`] };
  }
  if (fromText && hasCodeName(plan.name)) {
    return { semanticType: 'categorical', confidence: 0.7, reasons: [...reasons, 'digit codes'] };
  }
  return { semanticType: 'numeric', confidence: fromText ? 0.85 : 0.95, reasons: [...reasons, integral ? 'whole numbers' : 'real numbers'] };
}

function inferString(evidence: TypeEvidence): TypeInference {
  const { plan, stats, unique } = evidence;
  const formats = plan.formats;
  const nonMissing = stats.nonMissing;
  const distinctShare = stats.distinct / Math.max(1, nonMissing);
  const meanWords = formats?.meanWords ?? 1;
  const meanLength = stats.strings?.meanLength ?? formats?.meanLength ?? 0;
  const digits = formats ? formatShare(formats, formats.withDigits) : 0;
  const uuid = formats ? formatShare(formats, formats.uuidLike) : 0;
  if (uuid >= 0.9) return { semanticType: 'identifier', confidence: 0.95, reasons: ['UUID values'] };
  if (hasIdName(plan.name) && (distinctShare >= 0.3 || stats.distinct > 20) && meanWords < 2) {
    return { semanticType: 'identifier', confidence: unique ? 0.9 : 0.8, reasons: [unique ? 'unique values with an id name' : 'values with an id name'] };
  }
  // free text varies: repeated multi-word labels ("Unknown bird or bat") are categories
  if ((meanWords >= 3 && distinctShare >= 0.5) || meanWords >= 6 || (meanLength >= 40 && distinctShare >= 0.5)) {
    return { semanticType: 'text', confidence: meanWords >= 5 ? 0.9 : 0.75, reasons: [`${meanWords.toFixed(1)} words per value on average`] };
  }
  if (hasCodeName(plan.name)) return { semanticType: 'categorical', confidence: 0.75, reasons: ['codes (the name ends in "code")'] };
  const codes = formats ? formatShare(formats, formats.codeLike) : 0;
  const shortTokens = meanWords < 1.2 && (stats.strings?.maxLength ?? 0) <= 64;
  if (distinctShare >= 0.95 && shortTokens && (digits >= 0.8 || codes >= 0.9) && stats.distinct > 20) {
    return { semanticType: 'identifier', confidence: 0.8, reasons: ['unique single-token codes'] };
  }
  if (stats.distinct <= 50 || distinctShare <= 0.5) {
    return { semanticType: 'categorical', confidence: stats.distinct <= 50 ? 0.9 : 0.7, reasons: [`${stats.distinct} distinct values`] };
  }
  if (meanWords >= 1.5) {
    return { semanticType: 'text', confidence: 0.6, reasons: ['many distinct multi-word values'] };
  }
  return { semanticType: 'categorical', confidence: 0.55, reasons: [`many distinct short values (${percent(distinctShare)} distinct)`] };
}

function looksBoolean(stats: RawColumnStats, top: readonly ValueCount[]): boolean {
  if (stats.distinct > 2 || stats.distinct < 2 || top.length === 0) return false;
  const words = new Set(BOOLEAN_WORDS);
  const values = top.map((t) => (t.value ?? '').trim().toLowerCase()).filter((v) => v !== '');
  if (!values.every((v) => words.has(v))) return false;
  const pairs = [['true', 'false'], ['yes', 'no'], ['y', 'n'], ['t', 'f']];
  return pairs.some(([a, b]) => values.every((v) => v === a || v === b));
}


function round(x: number): number {
  return Math.round(x * 100) / 100;
}
