import { describe, expect, it } from 'vitest';
import { redactUrlPasswords } from './secrets.js';
import { redactUrl, takeUrlSecrets, withUrlSecrets } from './url-secrets.js';

describe('takeUrlSecrets', () => {
  it('takes the password out of the user-info and of query parameters', () => {
    expect(takeUrlSecrets('postgres://u:pw%2Fx@h:5432/db?sslmode=require&password=q1&sslpassword=q2')).toEqual({
      url: 'postgres://u@h:5432/db?sslmode=require',
      user: 'u',
      password: 'pw/x',
      params: { password: 'q1', sslpassword: 'q2' },
    });
    expect(takeUrlSecrets('s3://b/p?X-Amz-Signature=abc&region=eu&secretAccessKey=k').params).toEqual({ 'X-Amz-Signature': 'abc', secretAccessKey: 'k' });
  });

  it('reads an unencoded /, @ or ? in a password whole (the last @ before the host)', () => {
    for (const password of ['pa/ss', 'p@ss', 'a/b@c', '12/34', 'p#w', 'x?y']) {
      const taken = takeUrlSecrets(`postgres://u:${password}@db.example:5432/crm`);
      expect(taken).toEqual({ url: 'postgres://u@db.example:5432/crm', user: 'u', password, params: {} });
    }
  });

  it('does not take an @ in the query for the end of the user-info', () => {
    expect(takeUrlSecrets('postgres://h:5432/db?user=a@b')).toEqual({ url: 'postgres://h:5432/db?user=a@b', params: {} });
    expect(takeUrlSecrets('postgres://u:p/w@h/db?application_name=a@b').password).toBe('p/w');
  });

  it('keeps ${env:NAME} references when asked', () => {
    const taken = takeUrlSecrets('postgres://u:${env:PGPW}@h/db?sslpassword=${env:SSLPW}', { keepEnvReferences: true });
    expect(taken).toEqual({ url: 'postgres://u:${env:PGPW}@h/db?sslpassword=${env:SSLPW}', user: 'u', params: {} });
  });

  it('puts secrets back, encoded, for the driver', () => {
    expect(withUrlSecrets('postgres://u@h/db?sslmode=disable', { password: 'a/b@c', params: { sslpassword: 'x y' } })).toBe(
      'postgres://u:a%2Fb%40c@h/db?sslmode=disable&sslpassword=x%20y',
    );
  });
});

describe('redactUrl', () => {
  it('masks every password form, even unregistered and badly encoded', () => {
    expect(redactUrl('postgres://u:pa/ss@h:5432/db?password=zz9&sslmode=x')).toBe('postgres://u:***@h:5432/db?password=***&sslmode=x');
    expect(redactUrlPasswords('failed: mysql://root:p@ss/w@127.0.0.1:3306/x (refused)')).toBe('failed: mysql://root:***@127.0.0.1:3306/x (refused)');
    expect(redactUrl('postgres://analyst@db:5432/crm')).toBe('postgres://analyst@db:5432/crm');
  });
});
