export type { PutResult, Store } from './types.js';
export { openStore, type OpenStoreOptions, type CheckedStore } from './open-store.js';
export { DiskStore } from './disk-store.js';
export { hashFile, writeStreamAtomic, PARTIAL_FILE_KIND } from './file-io.js';
export { CACHE_TEMP_DIR } from './object-keys.js';
// type only: the S3 code (and the AWS SDK) loads when an s3:// store is opened
export type { S3Store } from './s3-store.js';
