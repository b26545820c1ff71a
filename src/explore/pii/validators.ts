/**
 * Value-level checks for personal data: a shape (regular expression) and, where the kind has
 * one, a validation that random look-alikes fail — Luhn and issuer prefixes for cards, ISO 7064
 * mod 97 and country lengths for IBANs, the SSA's allocation rules for US SSNs, octet ranges for
 * IPv4. Each check returns 'none' | 'shape' | 'valid'. Pure functions, run on sampled values only.
 */
export type Match = 'none' | 'shape' | 'valid';

const EMAIL = /^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$/;

export function checkEmail(value: string): Match {
  const v = value.trim();
  if (!EMAIL.test(v)) return v.includes('@') && /\S@\S/.test(v) ? 'shape' : 'none';
  const [local] = v.split('@');
  if (!local || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'shape';
  return 'valid';
}

export function digitsOf(value: string): string {
  return value.replace(/\D/g, '');
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Issuer prefixes and lengths of the major card networks. */
export function cardIssuer(digits: string): string | null {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  if (digits.startsWith('4') && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && n === 15) return 'amex';
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) && n >= 16 && n <= 19) return 'discover';
  if (p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19) return 'jcb';
  if ((p2 === 36 || p2 === 38 || (p3 >= 300 && p3 <= 305)) && n >= 14 && n <= 19) return 'diners';
  return null;
}

const CARD_SHAPE = /^\d{4}([ -]?\d{2,7}){2,4}$|^\d{13,19}$/;

export function checkCard(value: string): Match {
  const v = value.trim();
  if (!CARD_SHAPE.test(v)) return 'none';
  const digits = digitsOf(v);
  if (digits.length < 13 || digits.length > 19) return 'none';
  if (/^(\d)\1+$/.test(digits)) return 'shape';
  return luhnValid(digits) && cardIssuer(digits) !== null ? 'valid' : 'shape';
}

/** IBAN lengths by country (ISO 13616 registry, the common ones). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18,
  DO: 28, EE: 20, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19,
  MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19,
  SK: 24, SM: 27, TN: 24, TR: 26, UA: 29, VG: 24, XK: 20,
};

export function ibanValid(compact: string): boolean {
  const country = compact.slice(0, 2);
  if (IBAN_LENGTHS[country] !== compact.length) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const chunk = code >= 65 && code <= 90 ? String(code - 55) : ch;
    for (const d of chunk) remainder = (remainder * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

export function checkIban(value: string): Match {
  const compact = value.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return 'none';
  return ibanValid(compact) ? 'valid' : 'shape';
}

/** US SSN: area 001–899 except 666, group 01–99, serial 0001–9999, and the advertised examples. */
export function checkSsn(value: string, allowBareDigits: boolean): Match {
  const v = value.trim();
  const dashed = /^(\d{3})-(\d{2})-(\d{4})$/.exec(v);
  const bare = allowBareDigits ? /^(\d{3})(\d{2})(\d{4})$/.exec(v) : null;
  const m = dashed ?? bare;
  if (!m) return 'none';
  const area = Number(m[1]);
  const group = Number(m[2]);
  const serial = Number(m[3]);
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return 'shape';
  const compact = `${m[1]}${m[2]}${m[3]}`;
  if (compact === '078051120' || compact === '219099999' || compact === '123456789') return 'shape';
  return 'valid';
}

export function checkIp(value: string): Match {
  const v = value.trim();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o, i) => o > 255 || (v4[i + 1]!.length > 1 && v4[i + 1]!.startsWith('0')))) return 'shape';
    return 'valid';
  }
  if (v.includes(':') && /^[0-9A-Fa-f:.]+$/.test(v)) {
    const groups = v.split('::');
    if (groups.length > 2) return 'shape';
    const parts = v.split(':').filter((p) => p !== '');
    const ok = parts.every((p) => /^[0-9A-Fa-f]{1,4}$/.test(p) || /^\d{1,3}(\.\d{1,3}){3}$/.test(p));
    if (!ok) return 'shape';
    if (groups.length === 1 && parts.length !== 8) return 'shape';
    if (parts.length < 2 && groups.length === 1) return 'none';
    return 'valid';
  }
  return 'none';
}

/** Phone numbers: 7–15 digits, formatted (+, spaces, dashes, dots, brackets) or bare with a name hint. */
export function checkPhone(value: string, allowBareDigits: boolean): Match {
  const v = value.trim();
  if (!/^\+?[\d\s().\-/]{7,24}(\s*(x|ext\.?)\s*\d{1,5})?$/i.test(v)) return 'none';
  const main = v.replace(/\s*(x|ext\.?)\s*\d{1,5}$/i, '');
  const digits = digitsOf(main);
  if (digits.length < 7 || digits.length > 15) return 'none';
  const formatted = /[\s().\-+]/.test(main);
  if (!formatted && !allowBareDigits) return 'none';
  if (/^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$/.test(main) || /^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/.test(main)) return 'none';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(main)) return 'none';
  // the SSN layout 3-2-4 is not a telephone layout
  if (/^\d{3}-\d{2}-\d{4}$/.test(main)) return 'none';
  if (/^(\d)\1+$/.test(digits)) return 'shape';
  if (main.startsWith('+')) return digits.length >= 8 ? 'valid' : 'shape';
  // North American numbers: area and exchange codes do not start with 0 or 1
  const nanp = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
  if (nanp.length === 10) return /^[2-9]\d{2}[2-9]/.test(nanp) ? 'valid' : 'shape';
  return digits.length >= 9 ? 'valid' : 'shape';
}

const STREET_WORDS =
  '(street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|square|sq|trail|trl|crescent|close|row|alley|plaza)';
const ADDRESS = new RegExp(`^\\d{1,6}[A-Za-z]?\\s+([A-Za-z0-9.'-]+\\s+){0,5}${STREET_WORDS}\\.?(\\b|,|\\s|$)`, 'i');
const EUROPEAN_ADDRESS = /^[A-Za-zÀ-ÿ.' -]+(stra(ss|ß)e|str\.|weg|gasse|platz|laan|straat|rue|via|calle|avenida)\s*\d*|^(rue|via|calle|avenida|boulevard)\s+/i;
const PO_BOX = /^(p\.?\s?o\.?\s?box|post office box)\s+\d+/i;

export function checkAddress(value: string): Match {
  const v = value.trim();
  if (ADDRESS.test(v) || PO_BOX.test(v)) return 'valid';
  if (EUROPEAN_ADDRESS.test(v) && /\d/.test(v)) return 'valid';
  return /^\d{1,6}\s+\S+/.test(v) && /[A-Za-z]{3}/.test(v) ? 'shape' : 'none';
}

const NAME_WORD = "[A-Z][a-zà-ÿ]+(?:[-'][A-Z]?[a-zà-ÿ]+)*\\.?";
const PERSON_NAME = new RegExp(`^(?:(?:Mr|Mrs|Ms|Dr|Miss)\\.? )?${NAME_WORD}(?: (?:[A-Z]\\.|${NAME_WORD}|(?:van|von|de|da|del|der|di|la|le|bin|al)))* ${NAME_WORD}$|^${NAME_WORD}, ${NAME_WORD}$`);
const SINGLE_NAME = new RegExp(`^${NAME_WORD}$`);

/** Person names: capitalised words; 'valid' when a word is a common given name or surname. */
export function checkPersonName(value: string, single: boolean, known: ReadonlySet<string>): Match {
  const v = value.trim().replace(/\s+/g, ' ');
  const shaped = PERSON_NAME.test(v) || (single && SINGLE_NAME.test(v));
  if (!shaped) return 'none';
  const words = v.replace(/,/g, '').split(' ').map((w) => w.toLowerCase().replace(/\.$/, ''));
  return words.some((w) => known.has(w)) ? 'valid' : 'shape';
}
