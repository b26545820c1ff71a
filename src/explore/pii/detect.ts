/**
 * Personal data per column: sampled distinct values (one statement for all columns) are checked
 * by shape and validation (validators.ts), names weigh in, and known false positives are
 * guarded: integer columns that happen to pass Luhn, timestamps, short codes, `*_code` columns.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnProfile, PiiFinding, PiiKind, SemanticType } from '../profile-types.js';
import { hasCodeName, nameTokens, physicalKind, PLACEHOLDER_STRINGS, singular, type PhysicalKind } from '../types/index.js';
import { KNOWN_NAME_WORDS } from './known-names.js';
import { checkAddress, checkCard, checkEmail, checkIban, checkIp, checkPersonName, checkPhone, checkSsn, type Match } from './validators.js';
import { ParamBinder, parquetRelation, queryRows, quoteIdent, tableRelation, toDisplay, type Relation } from '../sql.js';
import { percent } from '../percent.js';

export interface PiiColumn {
  readonly name: string;
  readonly kind: PhysicalKind;
  readonly semanticType: SemanticType;
  /** for date-of-birth checks: the column's datetime range (ISO), when it has one */
  readonly datetimeMin: string | null;
  readonly datetimeMax: string | null;
}

const HINTS: Readonly<Record<PiiKind, readonly string[]>> = {
  email: ['email', 'mail', 'e'],
  phone: ['phone', 'tel', 'telephone', 'mobile', 'cell', 'fax', 'msisdn', 'phonenumber'],
  payment_card: ['card', 'cc', 'pan', 'credit', 'debit', 'creditcard'],
  iban: ['iban', 'bank', 'account'],
  national_id: ['ssn', 'social', 'sin', 'nin', 'national', 'passport', 'tin', 'taxid'],
  ip_address: ['ip', 'ipv4', 'ipv6', 'ipaddress', 'remote', 'client'],
  person_name: ['name', 'surname', 'firstname', 'lastname', 'fullname', 'forename'],
  postal_address: ['address', 'addr', 'street', 'address1', 'address2', 'line1', 'line2'],
  date_of_birth: ['dob', 'birth', 'birthday', 'born', 'birthdate', 'dateofbirth'],
};

/** Name words that make "…name" something other than a person's name. */
const NOT_PERSON = new Set([
  'product', 'company', 'file', 'city', 'country', 'street', 'brand', 'item', 'category', 'table', 'column', 'host', 'domain',
  'state', 'store', 'team', 'org', 'organization', 'organisation', 'business', 'department', 'dept', 'airport', 'airline',
  'carrier', 'species', 'model', 'make', 'region', 'project', 'app', 'user', 'display', 'screen', 'nick', 'account', 'bank',
  'plan', 'service', 'event', 'campaign', 'group', 'class', 'type', 'school', 'hospital', 'place', 'location', 'site',
  'venue', 'movie', 'title', 'song', 'album', 'artist', 'band', 'vendor', 'supplier', 'shop', 'merchant', 'payee', 'game',
  'tag', 'label', 'field', 'key', 'code', 'region', 'county', 'district', 'town', 'village', 'neighborhood', 'variable',
]);

/** Tables whose bare "name" column names a person. */
const PERSON_TABLES = new Set([
  'customer', 'user', 'employee', 'person', 'people', 'patient', 'member', 'student', 'client', 'contact', 'staff', 'author',
  'passenger', 'driver', 'applicant', 'candidate', 'subscriber', 'account', 'owner', 'buyer', 'seller', 'worker', 'teacher',
]);

export function hintsFor(name: string, table: string | null = null): Set<PiiKind> {
  const tokens = nameTokens(name);
  const joined = tokens.join('');
  const out = new Set<PiiKind>();
  for (const [kind, words] of Object.entries(HINTS) as [PiiKind, readonly string[]][]) {
    if (words.some((w) => (w.length <= 2 ? tokens.includes(w) && tokens.length > 1 : tokens.includes(w) || joined === w))) out.add(kind);
  }
  if (tokens.length === 1 && tokens[0] === 'e') out.delete('email');
  if (out.has('person_name') && tokens.some((t) => NOT_PERSON.has(t))) out.delete('person_name');
  // a bare "name" names whatever the table holds: airports.name is no person
  if (out.has('person_name') && tokens.length === 1 && tokens[0] === 'name' && table !== null) {
    const tableWords = nameTokens(table).map(singular);
    if (!tableWords.some((t) => PERSON_TABLES.has(t))) out.delete('person_name');
  }
  if (out.has('iban') && !tokens.includes('iban') && !(tokens.includes('account') && tokens.includes('bank'))) out.delete('iban');
  return out;
}

interface Verdict {
  readonly kind: PiiKind;
  readonly matched: number;
  readonly validated: number;
  readonly evidence: string[];
}

/** Shares a kind needs without a name hint (with one, less). */
const MIN_VALID_SHARE: Readonly<Record<PiiKind, number>> = {
  email: 0.6,
  phone: 0.8,
  payment_card: 0.8,
  iban: 0.8,
  national_id: 0.9,
  ip_address: 0.8,
  person_name: 0.5,
  postal_address: 0.6,
  date_of_birth: 2, // never without a name hint
};

/** The best PII finding for one column from its sampled distinct values, or null. */
export function detectPiiInValues(table: string | null, column: PiiColumn, values: readonly string[]): PiiFinding | null {
  const hints = hintsFor(column.name, table);
  if (column.semanticType === 'datetime' || column.kind === 'temporal') return dateOfBirthFinding(table, column, hints);
  if (values.length === 0) return null;
  const codeName = hasCodeName(column.name);
  const integerStored = column.kind === 'integer' || column.kind === 'decimal';
  const checks: [PiiKind, (v: string) => Match][] = [];
  const numberLike: [PiiKind, (v: string) => Match][] = [
    ['payment_card', checkCard],
    ['national_id', (v) => checkSsn(v, hints.has('national_id'))],
    ['phone', (v) => checkPhone(v, hints.has('phone'))],
    ['iban', checkIban],
    ['ip_address', checkIp],
  ];
  if (integerStored) {
    // whole numbers that pass Luhn or look like phones are mostly ids and counters: trust names only
    checks.push(...numberLike.filter(([kind]) => hints.has(kind)));
  } else if (column.kind === 'string') {
    if (!codeName) checks.push(...numberLike);
    checks.push(['email', checkEmail]);
    checks.push(['postal_address', checkAddress]);
    const single = hints.has('person_name');
    checks.push(['person_name', (v) => checkPersonName(v, single, KNOWN_NAME_WORDS)]);
  }
  let best: PiiFinding | null = null;
  for (const [kind, check] of checks) {
    const verdict = tally(kind, check, values);
    const finding = toFinding(table, column.name, verdict, values.length, hints.has(kind));
    if (finding && (!best || finding.confidence > best.confidence)) best = finding;
  }
  return best;
}

function tally(kind: PiiKind, check: (v: string) => Match, values: readonly string[]): Verdict {
  let matched = 0;
  let validated = 0;
  const evidence: string[] = [];
  for (const v of values) {
    const m = check(v);
    if (m === 'none') continue;
    matched++;
    if (m === 'valid') {
      validated++;
      if (evidence.length < 3) evidence.push(maskValue(kind, v));
    }
  }
  return { kind, matched, validated, evidence };
}

function toFinding(table: string | null, column: string, verdict: Verdict, sampled: number, hinted: boolean): PiiFinding | null {
  const matchedShare = verdict.matched / sampled;
  const validatedShare = verdict.validated / sampled;
  const reasons: string[] = [];
  let confidence = 0;
  if (validatedShare >= MIN_VALID_SHARE[verdict.kind]) {
    confidence = 0.55 + 0.4 * validatedShare + (hinted ? 0.05 : 0);
    reasons.push(`${percent(validatedShare)} of sampled values are valid ${label(verdict.kind)}`);
  } else if (hinted && (validatedShare >= 0.3 || matchedShare >= 0.6)) {
    confidence = 0.45 + 0.3 * validatedShare + 0.2 * matchedShare;
    reasons.push(`${percent(matchedShare)} of sampled values look like ${label(verdict.kind)}, ${percent(validatedShare)} validate`);
  }
  if (hinted && confidence > 0) reasons.push('the column name suggests it');
  if (confidence < 0.5) return null;
  return {
    table,
    column,
    kind: verdict.kind,
    confidence: Math.round(Math.min(1, confidence) * 100) / 100,
    maskedEvidence: verdict.evidence,
    matchedShare: round(matchedShare),
    validatedShare: round(validatedShare),
    sampled,
    reasons,
  };
}

function dateOfBirthFinding(table: string | null, column: PiiColumn, hints: ReadonlySet<PiiKind>): PiiFinding | null {
  if (!hints.has('date_of_birth')) return null;
  const min = column.datetimeMin ? Date.parse(column.datetimeMin) : NaN;
  const max = column.datetimeMax ? Date.parse(column.datetimeMax) : NaN;
  const plausible = Number.isFinite(min) && Number.isFinite(max) && min >= Date.UTC(1890, 0, 1) && max <= Date.now();
  const reasons = ['the column name says birth date'];
  if (plausible) reasons.push('all dates lie between 1890 and today');
  return {
    table,
    column: column.name,
    kind: 'date_of_birth',
    confidence: plausible ? 0.9 : 0.6,
    maskedEvidence: [column.datetimeMin, column.datetimeMax].filter((d): d is string => d !== null).map((d) => maskValue('date_of_birth', d)),
    matchedShare: plausible ? 1 : 0,
    validatedShare: plausible ? 1 : 0,
    sampled: 0,
    reasons,
  };
}

/** Keeps just enough to recognise the kind: e-mail first letter and top-level domain, last digits… */
export function maskValue(kind: PiiKind, value: string): string {
  const v = value.trim();
  switch (kind) {
    case 'email': {
      const [local = '', domain = ''] = v.split('@');
      const dot = domain.lastIndexOf('.');
      const host = dot > 0 ? domain.slice(0, dot) : domain;
      const tld = dot > 0 ? domain.slice(dot) : '';
      return `${local.slice(0, 1)}***@${host.slice(0, 1)}${'*'.repeat(Math.max(1, host.length - 1))}${tld}`;
    }
    case 'payment_card':
    case 'national_id':
    case 'phone':
    case 'iban': {
      let keep = 4;
      if (kind === 'phone') keep = 2;
      let seen = 0;
      const total = v.replace(/[^0-9A-Za-z]/g, '').length;
      return [...v]
        .map((ch) => {
          if (!/[0-9A-Za-z]/.test(ch)) return ch;
          seen++;
          if (kind === 'iban' && seen <= 2) return ch;
          return seen > total - keep ? ch : '*';
        })
        .join('');
    }
    case 'ip_address': {
      if (v.includes('.') && !v.includes(':')) return v.split('.').map((p, i) => (i < 2 ? p : '*')).join('.');
      return `${v.split(':').slice(0, 2).join(':')}:****`;
    }
    case 'person_name':
    case 'postal_address':
      return v.replace(/\d/g, '#').replace(/([A-Za-zÀ-ÿ])([A-Za-zÀ-ÿ'-]*)/g, (_, first: string, rest: string) => first + '*'.repeat(rest.length));
    case 'date_of_birth':
      return v.slice(0, 3) + v.slice(3).replace(/\d/g, '*');
  }
}

/**
 * Distinct non-missing values per column from a relation, at most `perColumn` each: those with the
 * smallest hashes, a pseudo-random pick that is the same on every run. One statement and one read
 * of the relation per chunk of columns — naming the relation once per column would bind all of
 * its columns once per column, which on a wide table grows with the square of the width.
 */
export async function samplePiiValues(
  conn: DuckDBConnection,
  relation: Relation,
  columns: readonly string[],
  perColumn: number,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const chunk = 100;
  for (let start = 0; start < columns.length; start += chunk) {
    const part = columns.slice(start, start + chunk);
    const binder = new ParamBinder(relation.params);
    const limit = binder.bind(perColumn);
    const placeholders = PLACEHOLDER_STRINGS.map((p) => binder.bind(p)).join(', ');
    // histogram's keys are the distinct values (NULLs left out)
    const distinct = part.map((name, i) => {
      const text = `${quoteIdent(name)}::VARCHAR`;
      return `histogram(${text}) FILTER (WHERE lower(trim(${text})) NOT IN (${placeholders})) AS h${i}`;
    });
    const picks = part.map((_, i) => `list_transform(list_slice(list_sort(list_transform(map_keys(h${i}), v -> {h: hash(v), v: v})), 1, ${limit}), e -> e.v)`);
    const row = (await queryRows(conn, `SELECT ${picks.join(',\n  ')}\nFROM (SELECT ${distinct.join(',\n  ')}\n  FROM ${relation.from})`, binder.params))[0] ?? [];
    part.forEach((name, i) => {
      const values = row[i];
      out.set(name, Array.isArray(values) ? values.map(toDisplay).filter((v): v is string => v !== null) : []);
    });
  }
  return out;
}

/** Columns worth sampling for PII: text, and whole numbers whose name hints at a card, phone or id number. */
export function piiCandidateColumns(columns: readonly PiiColumn[]): string[] {
  return columns
    .filter((c) => {
      if (c.semanticType === 'empty' || c.semanticType === 'constant' || c.semanticType === 'boolean' || c.semanticType === 'datetime') return false;
      if (c.kind === 'string') return true;
      if (c.kind === 'integer' || c.kind === 'decimal') {
        const hints = hintsFor(c.name);
        return hints.has('payment_card') || hints.has('phone') || hints.has('national_id');
      }
      return false;
    })
    .map((c) => c.name);
}

export function piiColumnFromProfile(column: ColumnProfile): PiiColumn {
  return {
    name: column.name,
    kind: physicalKind(column.physicalType),
    semanticType: column.semanticType,
    datetimeMin: column.datetime?.min ?? null,
    datetimeMax: column.datetime?.max ?? null,
  };
}

export interface DetectPiiInput {
  readonly name: string;
  readonly parquetPath?: string;
  readonly tableName?: string;
}

/**
 * PII findings for a profiled table, reading up to `valuesPerColumn` distinct values of each
 * candidate column from the data (profileTable runs the same on its sample).
 */
export async function detectPii(
  conn: DuckDBConnection,
  input: DetectPiiInput,
  columns: readonly ColumnProfile[],
  options: { valuesPerColumn?: number } = {},
): Promise<PiiFinding[]> {
  const relation = input.parquetPath !== undefined ? parquetRelation(input.parquetPath) : tableRelation(input.tableName ?? input.name);
  return detectPiiOnRelation(conn, input.name, relation, columns.map(piiColumnFromProfile), options.valuesPerColumn ?? 200);
}

export async function detectPiiOnRelation(
  conn: DuckDBConnection,
  table: string,
  relation: Relation,
  columns: readonly PiiColumn[],
  valuesPerColumn: number,
): Promise<PiiFinding[]> {
  const values = await samplePiiValues(conn, relation, piiCandidateColumns(columns), valuesPerColumn);
  const findings: PiiFinding[] = [];
  for (const column of columns) {
    const finding = detectPiiInValues(table, column, values.get(column.name) ?? []);
    if (finding) findings.push(finding);
  }
  return findings;
}

function label(kind: PiiKind): string {
  return kind.replaceAll('_', ' ') + (kind.endsWith('s') ? 'es' : 's');
}


function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
