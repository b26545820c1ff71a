import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cardIssuer,
  checkAddress,
  checkCard,
  checkEmail,
  checkIban,
  checkIp,
  checkPersonName,
  checkPhone,
  checkSsn,
  ibanValid,
  luhnValid,
} from './validators.js';
import { KNOWN_NAME_WORDS } from './known-names.js';

function withLuhnDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}

describe('payment cards', () => {
  it('accepts published test numbers and rejects their neighbours', () => {
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '3530111333300000']) {
      expect(luhnValid(n)).toBe(true);
      expect(cardIssuer(n)).not.toBeNull();
      expect(checkCard(n)).toBe('valid');
    }
    expect(checkCard('4111 1111 1111 1111')).toBe('valid');
    expect(checkCard('4111111111111112')).toBe('shape');
    expect(checkCard('1234')).toBe('none');
    // Luhn-valid but no issuer uses the prefix
    expect(checkCard(withLuhnDigit('900000000000000'))).toBe('shape');
  });

  it('Luhn catches every single-digit error', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{12,18}$/), fc.nat(), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
        const valid = withLuhnDigit(body);
        const i = at % valid.length;
        const changed = valid.slice(0, i) + String((Number(valid[i]) + delta) % 10) + valid.slice(i + 1);
        return luhnValid(valid) && !luhnValid(changed);
      }),
    );
  });
});

describe('IBAN', () => {
  it('validates check digits and country lengths', () => {
    expect(checkIban('GB82 WEST 1234 5698 7654 32')).toBe('valid');
    expect(checkIban('DE89370400440532013000')).toBe('valid');
    expect(checkIban('NL91ABNA0417164300')).toBe('valid');
    expect(checkIban('GB82WEST12345698765433')).toBe('shape');
    expect(checkIban('DE8937040044053201300')).toBe('shape'); // one digit short for DE
    expect(checkIban('hello')).toBe('none');
  });

  it('mod 97 catches every single-digit change', () => {
    const base = 'DE89370400440532013000';
    fc.assert(
      fc.property(fc.integer({ min: 4, max: base.length - 1 }), fc.integer({ min: 1, max: 9 }), (i, delta) => {
        const changed = base.slice(0, i) + String((Number(base[i]) + delta) % 10) + base.slice(i + 1);
        return !ibanValid(changed);
      }),
    );
  });
});

describe('other kinds', () => {
  it('US SSN allocation rules', () => {
    expect(checkSsn('536-22-1234', false)).toBe('valid');
    expect(checkSsn('000-22-1234', false)).toBe('shape');
    expect(checkSsn('666-22-1234', false)).toBe('shape');
    expect(checkSsn('912-22-1234', false)).toBe('shape');
    expect(checkSsn('536-00-1234', false)).toBe('shape');
    expect(checkSsn('536-22-0000', false)).toBe('shape');
    expect(checkSsn('078-05-1120', false)).toBe('shape');
    expect(checkSsn('536221234', false)).toBe('none');
    expect(checkSsn('536221234', true)).toBe('valid');
  });

  it('e-mail, IP, phone, address and names', () => {
    expect(checkEmail('jane.doe+tag@mail.example.org')).toBe('valid');
    expect(checkEmail('jane..doe@example.org')).toBe('shape');
    expect(checkEmail('not an email')).toBe('none');
    expect(checkIp('192.168.1.20')).toBe('valid');
    expect(checkIp('256.1.1.1')).toBe('shape');
    expect(checkIp('2001:db8::1')).toBe('valid');
    expect(checkIp('1.2.3')).toBe('none');
    expect(checkPhone('(415) 555-0132', false)).toBe('valid');
    expect(checkPhone('+44 20 7946 0958', false)).toBe('valid');
    expect(checkPhone('4155550132', false)).toBe('none');
    expect(checkPhone('4155550132', true)).toBe('valid');
    expect(checkPhone('2024-01-31', false)).toBe('none');
    expect(checkPhone('536-22-1234', false)).toBe('none');
    expect(checkAddress('1600 Pennsylvania Avenue NW')).toBe('valid');
    expect(checkAddress('PO Box 4411')).toBe('valid');
    expect(checkAddress('Hauptstraße 5')).toBe('valid');
    expect(checkAddress('blue')).toBe('none');
    expect(checkPersonName('Mary Johnson', false, KNOWN_NAME_WORDS)).toBe('valid');
    expect(checkPersonName('Zyx Qwerty', false, KNOWN_NAME_WORDS)).toBe('shape');
    expect(checkPersonName('mary johnson', false, KNOWN_NAME_WORDS)).toBe('none');
    expect(checkPersonName('Mary', false, KNOWN_NAME_WORDS)).toBe('none');
    expect(checkPersonName('Mary', true, KNOWN_NAME_WORDS)).toBe('valid');
  });
});
