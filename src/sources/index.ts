export type { Connector, Credential, QualityRecord, ReadContext, SourceKind, SourceOptions, SourceSpec, SourceTable } from './types.js';
export { parseLocation, resolveStoredPath, type ParsedLocation } from './location.js';
export { openConnector, type ConnectorContext } from './open-connector.js';
export { Vault, KEY_FILE, LAB_SECRETS_FILE, readLabSecrets, writeLabSecrets } from './vault.js';
export { fileFormat, SUPPORTED_EXTENSIONS, type FileFormat } from './file-reader.js';
export { resolvePassword, isAuthFailure } from './credentials.js';
