export { UserError, InputError, ConnectionError, LabError, UsageError, DataError, OutputExistsError, isUserError, describeError } from './errors.js';
export { registerSecret, redactSecrets, redactUrlPasswords } from './secrets.js';
export { ENV_REFERENCE, isSecretParam, redactUrl, takeUrlSecrets, withUrlSecrets, type UrlSecrets } from './url-secrets.js';
export { resolveInside } from './paths.js';
export { removeStaleTemps, tempPrefix } from './stale-temps.js';
export { quoteIdent, quoteMysqlIdent, shownInError } from './sql-identifiers.js';
