export { UserError, InputError, ConnectionError, LabError, UsageError, DataError, isUserError, describeError } from './errors.js';
export { registerSecret, redactSecrets, redactUrlPasswords } from './secrets.js';
export { quoteIdent, quoteMysqlIdent } from './sql-identifiers.js';
