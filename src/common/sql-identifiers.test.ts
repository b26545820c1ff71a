import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { quoteIdent, quoteMysqlIdent } from './sql-identifiers.js';

describe('identifier quoters', () => {
  it('quote per dialect, doubling the quote character', () => {
    expect(quoteIdent('we"ird name')).toBe('"we""ird name"');
    expect(quoteIdent('a`b')).toBe('"a`b"');
    expect(quoteMysqlIdent('we`ird name')).toBe('`we``ird name`');
    expect(quoteMysqlIdent('a"b')).toBe('`a"b`');
  });

  it('refuse a NUL character', () => {
    expect(() => quoteIdent('a\u0000b')).toThrow(InputError);
    expect(() => quoteMysqlIdent('a\u0000b')).toThrow(InputError);
  });
});
