/**
 * The (evaluation, user key) pairs already queued in the current flush window: an open-addressing hash set with
 * linear probing, written for the recording hot path. Why not a `Set<string>`: inserting a user key never seen
 * costs ~75–110 ns there (hashing a fresh string, then growing and rehashing from empty every window), more than
 * the evaluation it records; here a new pair costs a short hash of the key, a probe and two stores, and the
 * table keeps its size from window to window.
 *
 * Exact: a hit compares the evaluation object and the key string, so collisions only cost probe steps. The last
 * key seen per evaluation is checked first, which makes a hot loop over one user (one or several flags) a single
 * identity-map lookup.
 */
const INITIAL_SLOTS = 1024;

interface EvaluationEntry {
  readonly salt: number;
  lastKey: string | undefined;
}

export class DedupeWindow {
  private keys: Array<string | undefined> = new Array<string | undefined>(INITIAL_SLOTS).fill(undefined);
  private evaluations: Array<object | undefined> = new Array<object | undefined>(INITIAL_SLOTS).fill(
    undefined,
  );
  private mask = INITIAL_SLOTS - 1;
  private size = 0;
  /** Per evaluation object: a number mixed into the hash (so one user's flags do not cluster) and its last key. */
  private entries = new Map<object, EvaluationEntry>();

  /** Adds the pair unless it is already in this window; returns whether it was new. */
  add(evaluation: object, key: string): boolean {
    let entry = this.entries.get(evaluation);
    if (entry === undefined) {
      entry = { salt: Math.imul(this.entries.size + 1, 0x9e3779b1), lastKey: undefined };
      this.entries.set(evaluation, entry);
    } else if (entry.lastKey === key) {
      return false; // the hot loop: the same user again, no hashing
    }
    entry.lastKey = key;
    const salt = entry.salt;
    const keys = this.keys;
    const evaluations = this.evaluations;
    const mask = this.mask;
    let slot = (hashKey(key) ^ salt) & mask;
    for (;;) {
      const stored = keys[slot];
      if (stored === undefined) break;
      if (stored === key && evaluations[slot] === evaluation) return false;
      slot = (slot + 1) & mask;
    }
    keys[slot] = key;
    evaluations[slot] = evaluation;
    if (++this.size * 2 > keys.length) this.grow();
    return true;
  }

  /** Starts a new window (drops every pair, keeps the table's size). */
  clear(): void {
    if (this.size === 0) return;
    this.keys.fill(undefined);
    this.evaluations.fill(undefined);
    this.size = 0;
    this.entries = new Map();
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldEvaluations = this.evaluations;
    const slots = oldKeys.length * 2;
    this.keys = new Array<string | undefined>(slots).fill(undefined);
    this.evaluations = new Array<object | undefined>(slots).fill(undefined);
    this.mask = slots - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const key = oldKeys[i];
      if (key === undefined) continue;
      const evaluation = oldEvaluations[i]!;
      let slot = (hashKey(key) ^ this.entries.get(evaluation)!.salt) & this.mask;
      while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.evaluations[slot] = evaluation;
    }
  }
}

/**
 * FNV-1a over the length and at most the first and last 8 UTF-16 units of the key, then a final mix. Few units
 * keep it cheap on any key (reading a character of a concatenated string walks its parts); the ends are where
 * typical keys differ (`user-000123`, e-mail addresses, UUIDs), and a collision only costs a probe step.
 */
function hashKey(key: string): number {
  const length = key.length;
  let hash = Math.imul(0x811c9dc5 ^ length, 0x01000193);
  const head = length < 16 ? length : 8;
  for (let i = 0; i < head; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  if (length >= 16) {
    for (let i = length - 8; i < length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  hash ^= hash >>> 15;
  return Math.imul(hash, 0x2c1b3c6d) ^ (hash >>> 12);
}
