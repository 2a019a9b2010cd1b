/**
 * A pool of immutable compiled parts shared between flags (conditions, condition lists, value conversions):
 * many flags repeat the same `country IsOneOf [...]` or the same `"true"`/`"false"` values, and Node does not
 * compress pointers, so every shared object saves its full size per flag. The pool only grows up to `limit`
 * entries and never evicts, and it never keeps parts whose key is longer than `maxKeyLength` (a huge IsOneOf
 * list is not worth keeping after its flag is gone): memory stays bounded, and past the limits new parts are
 * simply not shared. Compile time only.
 */
export class BoundedPool<V> {
  private readonly entries = new Map<string, V>();

  constructor(
    private readonly limit: number,
    private readonly maxKeyLength = 1024,
  ) {}

  /** The pooled value for `key`, if any. */
  peek(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** The pooled value for `key`, made (and pooled while there is room) on first use. */
  get(key: string, make: () => V, shareable: (value: V) => boolean = () => true): V {
    if (key.length > this.maxKeyLength) return make();
    const pooled = this.entries.get(key);
    if (pooled !== undefined) return pooled;
    const value = make();
    if (this.entries.size < this.limit && shareable(value)) this.entries.set(key, value);
    return value;
  }
}
