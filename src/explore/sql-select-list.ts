/**
 * A growing SELECT list: builders add expressions and get back their position, so parsing the
 * single result row needs no offset arithmetic.
 */
export class SelectList {
  readonly #exprs: string[] = [];

  add(expr: string): number {
    this.#exprs.push(expr);
    return this.#exprs.length - 1;
  }

  get size(): number {
    return this.#exprs.length;
  }

  toSql(): string {
    return this.#exprs.join(',\n  ');
  }

  /** The list cut into consecutive parts of at most `size` expressions, as SQL. */
  chunks(size: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.#exprs.length; i += size) out.push(this.#exprs.slice(i, i + size).join(',\n  '));
    return out;
  }
}
