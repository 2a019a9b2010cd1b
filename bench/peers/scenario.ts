/**
 * The peer comparison's shared definition (issue 3): which flags exist, which users ask, and what the right
 * answers are. Every implementation builds its own flags from this, in its own format, so that all of them
 * answer the same questions.
 *
 * Flags: 200 boolean flags `flag-<i>`; flag i is of kind `KINDS[i % 3]`:
 * - `on`: served `true` to everyone (S1);
 * - `rule`: `true` when country is one of FR/DE/US AND plan equals "pro" AND age is bigger than 18, else
 *   `false` (S2);
 * - `split`: `true` for 50 % of user keys, `false` for the others (S3).
 * S1, S2 and S3 use the first flag of each kind, so every implementation looks them up among 200 flags.
 */
import { createHash } from 'node:crypto';

/** A flag's targeting, in words every peer can express. */
export type FlagKind = 'on' | 'rule' | 'split';

/** The kinds in the order flags cycle through them. */
export const KINDS: readonly FlagKind[] = ['on', 'rule', 'split'];

/** Number of flags every implementation holds (S4 evaluates all of them). */
export const FLAG_COUNT = 200;

/** Number of flags of the heap measurement (all of kind `rule`). */
export const HEAP_FLAG_COUNT = 10_000;

/** Number of distinct users of S3. */
export const USER_COUNT = 10_000;

/** The `rule` kind's three conditions. */
export const RULE_COUNTRIES: readonly string[] = ['FR', 'DE', 'US'];
export const RULE_PLAN = 'pro';
/** The age must be strictly bigger than this. */
export const RULE_AGE_ABOVE = 18;

/**
 * A user as the application has it: the plain object our client takes as it is. The single-user rows and S3's
 * uniform users have every attribute, age a number; the varied users ({@link VARIED_USERS}) may lack any
 * attribute but the key, carry numbers as strings, and have other attributes besides.
 */
export interface BenchUser {
  readonly key: string;
  readonly name?: string;
  readonly country?: string;
  readonly plan?: string;
  readonly age?: number | string;
  readonly [attribute: string]: string | number | undefined;
}

/** What every peer adapter copies from a user: its attributes but the key, in the user's own order. */
export function attributesOf(
  user: BenchUser,
  numbers: 'as-given' | 'strings' | 'age-as-number',
): Record<string, string | number> {
  const attributes: Record<string, string | number> = {};
  for (const name of Object.keys(user)) {
    const value = user[name];
    if (name === 'key' || value === undefined) continue;
    // Numeric operators of LaunchDarkly, GrowthBook and the OpenFeature evaluator compare numbers only: their
    // users get `age` as a number (converted once, at set-up, outside any timing — in the peers' favour).
    attributes[name] =
      numbers === 'strings'
        ? String(value)
        : numbers === 'age-as-number' && name === 'age'
          ? Number(value)
          : value;
  }
  return attributes;
}

/** Key of flag number `index`. */
export function flagKeyAt(index: number): string {
  return `flag-${index}`;
}

/** Kind of flag number `index`. */
export function flagKindAt(index: number): FlagKind {
  return KINDS[index % KINDS.length];
}

/** Key of heap flag number `index` (a different key space, so one process could hold both sets). */
export function heapFlagKeyAt(index: number): string {
  return `heap-flag-${index}`;
}

/**
 * The flags of S1, S2 and S3: the first flag of each kind. Written as literals, as an application writes its flag
 * keys (a literal is an internalized string; a computed one would cost every implementation a little more).
 */
export const S1_KEY = 'flag-0';
export const S2_KEY = 'flag-1';
export const S3_KEY = 'flag-2';
if (
  flagKindAt(0) !== 'on' ||
  flagKindAt(1) !== 'rule' ||
  flagKindAt(2) !== 'split' ||
  flagKeyAt(2) !== S3_KEY
) {
  throw new Error('scenario: S1–S3 keys no longer name the first flag of each kind');
}

/** The user of S1, S2 and S4: satisfies all three conditions of the rule (the rule's most expensive path). */
export const MATCHING_USER: BenchUser = { key: 'user-42', name: 'Ann', country: 'FR', plan: 'pro', age: 30 };

/** A user the rule refuses (plan), used to check that every implementation really applies the rule. */
export const REFUSED_USER: BenchUser = { key: 'user-43', name: 'Bob', country: 'FR', plan: 'free', age: 30 };

const COUNTRY_CYCLE = ['FR', 'DE', 'US', 'GB', 'ES'];
const PLAN_CYCLE = ['pro', 'free', 'team'];

/** The 10,000 users of S3 (and of the S2 correctness check): varied countries, plans and ages. */
export const USERS: readonly BenchUser[] = Array.from({ length: USER_COUNT }, (_, i) => ({
  key: `user-${i}`,
  name: `User ${i}`,
  country: COUNTRY_CYCLE[i % COUNTRY_CYCLE.length],
  plan: PLAN_CYCLE[i % PLAN_CYCLE.length],
  age: 10 + (i % 50),
}));

/**
 * The right answer of the `rule` kind, written from the words (not from any implementation): a missing
 * attribute fails its condition; an age given as a string is read as the number it spells (FeatBit's rule).
 */
export function ruleAccepts(user: BenchUser): boolean {
  return (
    user.country !== undefined &&
    RULE_COUNTRIES.includes(user.country) &&
    user.plan === RULE_PLAN &&
    user.age !== undefined &&
    Number(user.age) > RULE_AGE_ABOVE
  );
}

/**
 * Issue 16's users: 10,000 as a service meets them, parsed from JSON. Any attribute but the key may be missing
 * (name 1 in 7, country 1 in 11, plan 1 in 13, age 1 in 17); age is a string ("30", as FeatBit's SDKs carry
 * custom attributes) for three users in four and a number for the fourth; some users have other attributes
 * (email, team, a string flag "true", a number); and the custom attributes come in one of four orders. So the
 * users have dozens of hidden classes, as real traffic does, where {@link MATCHING_USER} has one.
 */
export const VARIED_USERS: readonly BenchUser[] = JSON.parse(
  JSON.stringify(
    Array.from({ length: USER_COUNT }, (_, i) => {
      const custom: Array<[string, string | number]> = [];
      if (i % 11 !== 5) custom.push(['country', COUNTRY_CYCLE[i % COUNTRY_CYCLE.length]]);
      if (i % 13 !== 6) custom.push(['plan', PLAN_CYCLE[i % PLAN_CYCLE.length]]);
      const age = 10 + (i % 50);
      if (i % 17 !== 8) custom.push(['age', i % 4 === 0 ? age : String(age)]);
      if (i % 3 === 0) custom.push(['email', `user${i}@example.com`]);
      if (i % 5 === 1) custom.push(['team', `team-${i % 40}`]);
      if (i % 6 === 2) custom.push(['beta', 'true']);
      if (i % 9 === 4) custom.push(['signupDays', i % 400]);
      // Four orders: as built, reversed, rotated by one, rotated by two.
      const order = i % 4;
      const ordered =
        order === 1
          ? custom.reverse()
          : order >= 2
            ? [...custom.slice(order - 1), ...custom.slice(0, order - 1)]
            : custom;
      const user: Record<string, string | number> = { key: `user-${i}` };
      if (i % 7 !== 3) user.name = `User ${i}`;
      for (const [name, value] of ordered) user[name] = value;
      return user;
    }),
  ),
) as BenchUser[];

/**
 * The varied users with every present age as a number: the input of the hand-written S2 floor (issue 16's
 * "hand-written inline check of the same rule with numeric ages").
 */
export const VARIED_USERS_NUMERIC_AGE: readonly BenchUser[] = VARIED_USERS.map((user) =>
  user.age === undefined ? user : { ...user, age: Number(user.age) },
);

/** The hand-written S2 floor: the rule as one inline expression, over users whose age is a number. */
export function handWrittenRule(user: BenchUser): boolean {
  const country = user.country;
  return (
    (country === 'FR' || country === 'DE' || country === 'US') &&
    user.plan === 'pro' &&
    (user.age as number) > 18
  );
}

/**
 * FeatBit's dispatch hash computed with node:crypto, straight from docs/featbit-protocol.md §4.5: MD5 of
 * `flagKey + userKey`, first four digest bytes as a little-endian signed int32, divided by 2^31, absolute.
 * Independent of lib/ — the S3 check compares our client, the FeatBit SDK and this.
 */
export function featbitDispatchHash(flagKey: string, userKey: string): number {
  const digest = createHash('md5')
    .update(flagKey + userKey, 'utf8')
    .digest();
  return Math.abs(digest.readInt32LE(0) / 2 ** 31);
}

/** The FeatBit answer of a `split` flag whose first half `[0, 0.5]` serves `true` (bounds inclusive). */
export function featbitSplitServesTrue(flagKey: string, userKey: string): boolean {
  return featbitDispatchHash(flagKey, userKey) <= 0.5;
}

/** Silences a peer SDK's logger. */
export const silentPeerLogger = {
  error(): void {},
  warn(): void {},
  info(): void {},
  debug(): void {},
};
