/**
 * `MultiDictProxy`: a read-only multi-value map, as multidict's, for what
 * `request.post()` returns (a name may come several times).
 * @module
 */

/**
 * A read-only map where a key may have several values, in the order received.
 * @example
 * const form = await request.post();
 * form.get('name');      // the first value, or null
 * form.getAll('tag');    // every value
 */
export class MultiDictProxy<V> implements Iterable<[string, V]> {
  readonly #items: readonly (readonly [string, V])[];

  /** @internal */
  constructor(items: readonly (readonly [string, V])[]) {
    this.#items = items;
  }

  /** How many (key, value) pairs. */
  get size(): number {
    return this.#items.length;
  }

  /** The first value of `key`, or null (as `URLSearchParams.get()`). */
  get(key: string): V | null {
    for (const [k, v] of this.#items) if (k === key) return v;
    return null;
  }

  /** Every value of `key`, in order. */
  getAll(key: string): V[] {
    const out: V[] = [];
    for (const [k, v] of this.#items) if (k === key) out.push(v);
    return out;
  }

  /** True when `key` has a value. */
  has(key: string): boolean {
    for (const [k] of this.#items) if (k === key) return true;
    return false;
  }

  /** The keys, repeated keys as often as they came. */
  *keys(): IterableIterator<string> {
    for (const [k] of this.#items) yield k;
  }

  /** The values in order. */
  *values(): IterableIterator<V> {
    for (const [, v] of this.#items) yield v;
  }

  /** The (key, value) pairs in order. */
  *entries(): IterableIterator<[string, V]> {
    for (const [k, v] of this.#items) yield [k, v];
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }
}
