import { describe, expect, it } from 'vitest';
import { detectPiiInValues, hintsFor, maskValue, type PiiColumn } from './detect.js';

const column = (name: string, kind: PiiColumn['kind'] = 'string', semanticType: PiiColumn['semanticType'] = 'identifier'): PiiColumn => ({
  name,
  kind,
  semanticType,
  datetimeMin: null,
  datetimeMax: null,
});

function luhn(body: string): string {
  for (let d = 0; d <= 9; d++) {
    const s = body + d;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
      let x = Number(s[s.length - 1 - i]);
      if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return s;
  }
  return body;
}

const cards = Array.from({ length: 50 }, (_, i) => luhn(`4${String(100000000000000 + i * 7919).slice(0, 14)}`));

describe('detectPiiInValues', () => {
  it('flags card numbers stored as text, with masked evidence', () => {
    const finding = detectPiiInValues('t', column('payment'), cards);
    expect(finding?.kind).toBe('payment_card');
    expect(finding?.validatedShare).toBe(1);
    for (const e of finding?.maskedEvidence ?? []) expect(e).toMatch(/^\*{12}\d{4}$/);
  });

  it('does not take Luhn-valid integers, timestamps or *_code columns for cards', () => {
    expect(detectPiiInValues('t', column('tracking_number', 'integer', 'identifier'), cards)).toBeNull();
    expect(detectPiiInValues('t', column('promo_code'), cards)).toBeNull();
    expect(detectPiiInValues('t', column('card_number', 'integer', 'identifier'), cards)?.kind).toBe('payment_card');
    const stamps = Array.from({ length: 50 }, (_, i) => String(1_700_000_000_000 + i * 86_400_123));
    expect(detectPiiInValues('t', column('created_at', 'integer', 'numeric'), stamps)).toBeNull();
  });

  it('does not take short codes or versions for anything', () => {
    const codes = Array.from({ length: 40 }, (_, i) => `A${i}X`);
    expect(detectPiiInValues('t', column('coupon'), codes)).toBeNull();
    const versions = Array.from({ length: 40 }, (_, i) => `1.${i}.3`);
    expect(detectPiiInValues('t', column('version'), versions)).toBeNull();
  });

  it('reads a bare "name" column by its table', () => {
    expect(hintsFor('name', 'customers').has('person_name')).toBe(true);
    expect(hintsFor('name', 'airports').has('person_name')).toBe(false);
    expect(hintsFor('product_name', null).has('person_name')).toBe(false);
  });

  it('finds dates of birth by name and plausible range only', () => {
    const dob = { ...column('date_of_birth', 'temporal', 'datetime'), datetimeMin: '1950-01-01T00:00:00', datetimeMax: '2001-05-05T00:00:00' };
    expect(detectPiiInValues('t', dob, [])?.kind).toBe('date_of_birth');
    expect(detectPiiInValues('t', { ...dob, name: 'shipped_on' }, [])).toBeNull();
  });

  it('masks every kind', () => {
    expect(maskValue('email', 'jane@example.com')).toBe('j***@e******.com');
    expect(maskValue('national_id', '536-22-1234')).toBe('***-**-1234');
    expect(maskValue('ip_address', '10.1.2.3')).toBe('10.1.*.*');
    expect(maskValue('iban', 'GB82WEST12345698765432')).toBe('GB****************5432');
    expect(maskValue('person_name', 'Mary Smith')).toBe('M*** S****');
  });
});
