import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * Writes rows to a CSV file for DuckDB to read: every non-null value quoted, NULL as an empty
 * unquoted field (read with allow_quoted_nulls=false, so "" stays an empty string). Rows are
 * gathered into ~1 MB writes, and the writer waits when the file lags, so memory stays bounded.
 */
export class CsvChunkWriter {
  readonly #out: WriteStream;
  #buffer = '';
  #rows = 0;
  #bytes = 0;

  constructor(path: string) {
    this.#out = createWriteStream(path);
  }

  get rows(): number {
    return this.#rows;
  }

  get bytes(): number {
    return this.#bytes;
  }

  async writeRow(values: readonly (string | null)[]): Promise<void> {
    let line = '';
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (i > 0) line += ',';
      if (v !== null && v !== undefined) line += '"' + (v.includes('"') ? v.replaceAll('"', '""') : v) + '"';
    }
    this.#buffer += line + '\n';
    this.#rows++;
    if (this.#buffer.length >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#buffer === '') return;
    const chunk = this.#buffer;
    this.#buffer = '';
    this.#bytes += Buffer.byteLength(chunk);
    if (!this.#out.write(chunk)) await once(this.#out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.#out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }

  /** closes without caring about errors (after a failure elsewhere) */
  destroy(): void {
    this.#out.destroy();
  }
}
