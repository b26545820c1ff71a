/**
 * The artifact store: content-addressed blobs plus named objects (lake files), on a local folder
 * or an S3-compatible bucket. One interface, two backends (disk, S3).
 */
export interface PutResult {
  /** sha256 of the bytes, hex */
  readonly hash: string;
  readonly bytes: number;
}

export interface Store {
  /** e.g. `file:///abs/lab/.autolab/store` or `s3://bucket/prefix` (never contains credentials) */
  readonly url: string;
  /** Copy a local file into the store under its content hash. Atomic: readers never see a partial blob. */
  putFile(localPath: string): Promise<PutResult>;
  putBytes(bytes: Uint8Array): Promise<PutResult>;
  has(hash: string): Promise<boolean>;
  getBytes(hash: string): Promise<Uint8Array>;
  /** Write a blob to a local path (atomically: temp file then rename). */
  getToFile(hash: string, localPath: string): Promise<void>;
  /** Named objects, e.g. `lake/bronze/<project>/<source>/<table>/<version>.parquet`. Atomic write. */
  putObject(key: string, localPath: string): Promise<PutResult>;
  /**
   * Like `putObject` for a file the caller gives up (it is gone afterwards): on disk it is renamed
   * into place when it lies on the same file system, with no copy. `known` is its hash and size
   * when the caller has just computed them.
   */
  moveObject(key: string, localPath: string, known?: PutResult): Promise<PutResult>;
  getObjectToFile(key: string, localPath: string): Promise<void>;
  hasObject(key: string): Promise<boolean>;
  listObjects(prefix: string): Promise<string[]>;
  /**
   * A local path where `key` can be read by DuckDB: the file itself on disk, a cached download on S3.
   */
  localPathFor(key: string): Promise<string>;
  close(): Promise<void>;
}
