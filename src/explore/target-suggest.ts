/**
 * Which column is the thing to predict: names that say so (churn, label, target, survived…),
 * binary and low-cardinality columns, and the last position (where datasets put the answer).
 * Identifiers, free text, dates and personal data are never suggested.
 */
import type { ColumnProfile, TableProfile, TargetSuggestion, TargetTask } from './profile-types.js';
import { nameTokens } from './types/index.js';

const LABEL_WORDS = new Set([
  'target', 'label', 'labels', 'class', 'outcome', 'y', 'churn', 'churned', 'survived', 'survival', 'default', 'defaulted',
  'fraud', 'fraudulent', 'response', 'result', 'diagnosis', 'converted', 'conversion', 'clicked', 'click', 'attrition',
  'readmitted', 'approved', 'approval', 'exited', 'left', 'purchased', 'subscribed', 'cancelled', 'canceled', 'spam',
  'outcome', 'status', 'species', 'quality', 'grade', 'rating', 'sentiment', 'category',
]);
const STRONG_LABEL_WORDS = new Set(['target', 'label', 'labels', 'class', 'outcome', 'y', 'churn', 'churned', 'survived', 'fraud', 'default', 'diagnosis']);
const AMOUNT_WORDS = new Set([
  'price', 'saleprice', 'revenue', 'sales', 'amount', 'salary', 'income', 'charges', 'cost', 'value', 'score', 'medv', 'demand',
  'count', 'duration', 'delay', 'total', 'profit', 'spend', 'yield', 'weight', 'rent',
]);

export function suggestTarget(profiles: readonly TableProfile[], limit = 5): TargetSuggestion[] {
  const out: TargetSuggestion[] = [];
  for (const profile of profiles) {
    const pii = new Set(profile.pii.map((p) => p.column));
    const last = profile.columns.length - 1;
    for (const column of profile.columns) {
      if (pii.has(column.name)) continue;
      const suggestion = judge(profile.name, column, column.index === last && last > 0);
      if (suggestion) out.push(suggestion);
    }
  }
  return out.sort((a, b) => b.confidence - a.confidence || a.table.localeCompare(b.table)).slice(0, limit);
}

function judge(table: string, column: ColumnProfile, isLast: boolean): TargetSuggestion | null {
  if (['identifier', 'text', 'datetime', 'constant', 'empty'].includes(column.semanticType)) return null;
  if (column.missingShare > 0.5) return null;
  const tokens = nameTokens(column.name);
  const strong = tokens.some((t) => STRONG_LABEL_WORDS.has(t));
  const label = strong || tokens.some((t) => LABEL_WORDS.has(t));
  const flagName = (tokens[0] === 'is' || tokens[0] === 'has') && tokens.length > 1;
  const amount = tokens.some((t) => AMOUNT_WORDS.has(t));
  const where = isLast ? ', and it is the last column' : '';
  const classes = column.distinct;
  if (column.semanticType === 'boolean' || (column.semanticType === 'categorical' && classes <= 20)) {
    const task: TargetTask = classes <= 2 ? 'binary' : 'multiclass';
    const kind = classes <= 2 ? 'a binary column' : `a column with ${classes} classes`;
    let confidence = classes <= 2 ? 0.45 : 0.35;
    let reason = `${column.name} is ${kind}${where}`;
    if (label) {
      confidence = strong ? 0.9 : 0.75;
      reason = `the name ${column.name} reads like a label and it is ${kind}${where}`;
    } else if (flagName) {
      confidence = 0.55;
      reason = `${column.name} is a yes/no flag${where}`;
    }
    if (isLast) confidence += 0.08;
    return { table, column: column.name, task, reason, confidence: round(confidence) };
  }
  if (column.semanticType === 'numeric') {
    let confidence = 0.2;
    let reason = `${column.name} is numeric${where}`;
    if (strong) {
      confidence = 0.8;
      reason = `the name ${column.name} reads like a target and it is numeric${where}`;
    } else if (amount) {
      confidence = 0.5;
      reason = `${column.name} is an amount worth predicting${where}`;
    }
    if (isLast) confidence += 0.15;
    if (confidence < 0.3) return null;
    return { table, column: column.name, task: 'regression', reason, confidence: round(confidence) };
  }
  return null;
}

function round(x: number): number {
  return Math.round(Math.min(1, x) * 100) / 100;
}
