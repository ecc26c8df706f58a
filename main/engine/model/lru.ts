/** A least-recently-used map bounded by a total cost (bytes for tensors, 1 for small entries). */
export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; cost: number }>();
  private total = 0;

  constructor(readonly capacity: number, private readonly costOf: (v: V) => number = () => 1) {}

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e); // most recent last
    return e.value;
  }

  has(key: K): boolean { return this.map.has(key); }

  set(key: K, value: V): void {
    this.delete(key);
    const cost = this.costOf(value);
    if (cost > this.capacity) return; // would evict everything and still not fit
    this.map.set(key, { value, cost });
    this.total += cost;
    for (const [k, e] of this.map) {
      if (this.total <= this.capacity) break;
      this.map.delete(k);
      this.total -= e.cost;
    }
  }

  delete(key: K): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.total -= e.cost;
  }

  clear(): void { this.map.clear(); this.total = 0; }
  get size(): number { return this.map.size; }
  get cost(): number { return this.total; }
}
