import { describe, expect, it } from 'vitest';
import { redactSecrets, registerSecret, redactUrlPasswords } from './secrets.js';

describe('redactSecrets', () => {
  it('removes registered secrets and their URL-encoded form', () => {
    registerSecret('s3cr3t/p@ss');
    expect(redactSecrets('failed with s3cr3t/p@ss here')).toBe('failed with *** here');
    expect(redactSecrets('postgres://u:s3cr3t%2Fp%40ss@h/db')).toBe('postgres://u:***@h/db');
  });

  it('never masks a ${env:NAME} reference: it names a variable, not its value', () => {
    registerSecret('${env:SOME_PASSWORD}');
    expect(redactSecrets('the password is ${env:SOME_PASSWORD} but SOME_PASSWORD is not set')).toBe('the password is ${env:SOME_PASSWORD} but SOME_PASSWORD is not set');
  });

  it('removes passwords from URLs even when unregistered', () => {
    expect(redactUrlPasswords('mysql://root:hunter22@127.0.0.1:3306/x')).toBe('mysql://root:***@127.0.0.1:3306/x');
    expect(redactUrlPasswords('postgres://analyst@db:5432/crm')).toBe('postgres://analyst@db:5432/crm');
  });
});
