export type { Connector, Credential, FetchContext, QualityRecord, ReadContext, SourceKind, SourceOptions, SourceSpec, SourceTable } from './types.js';
export { parseLocation, resolveStoredPath, type ParsedLocation } from './location.js';
export { openConnector, type ConnectorContext } from './open-connector.js';
export { Vault, KEY_FILE, LAB_SECRETS_FILE, readLabSecrets, writeLabSecrets } from './vault.js';
export { fileFormat, SUPPORTED_EXTENSIONS, type FileFormat } from './file-format.js';
export { readDataFile, type ReadFileOptions } from './file-reader.js';
export type { ReadTarget, RowConsumer } from './read-target.js';
export { checkDataFile } from './file-checks.js';
export { resolvePassword, isAuthFailure } from './credentials.js';
