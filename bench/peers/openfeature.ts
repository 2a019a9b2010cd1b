/**
 * `@openfeature/server-sdk` 1.x with its `InMemoryProvider`. That provider has no rule language: targeting is
 * a `contextEvaluator` function per flag, so the flags here are a small JSON of our own (variants plus the
 * rule's data) turned into one closure per flag when loading — what an application using it would write. The
 * split hashes like FeatBit (MD5 via node:crypto), so its answers equal ours. `getBooleanValue` returns a
 * promise. The row measures OpenFeature's evaluation pipeline around that hand-written evaluator.
 */
import { InMemoryProvider, OpenFeature, type Client, type EvaluationContext } from '@openfeature/server-sdk';
import type { PeerFormat } from './peer.js';
import {
  attributesOf,
  featbitSplitServesTrue,
  RULE_AGE_ABOVE,
  RULE_COUNTRIES,
  RULE_PLAN,
  type BenchUser,
  type FlagKind,
} from './scenario.js';

/** Our JSON for one OpenFeature in-memory flag: variants and what its evaluator needs. */
interface OpenFeatureFlagSpec {
  readonly key: string;
  readonly defaultVariant: 'on' | 'off';
  readonly rule?: { readonly countries: string[]; readonly plan: string; readonly ageAbove: number };
  /** Serves `on` when FeatBit's dispatch hash of key + targetingKey is at most this. */
  readonly splitUpTo?: number;
}

function openFeatureSpec(key: string, kind: FlagKind): OpenFeatureFlagSpec {
  switch (kind) {
    case 'on':
      return { key, defaultVariant: 'on' };
    case 'rule':
      return {
        key,
        defaultVariant: 'off',
        rule: { countries: [...RULE_COUNTRIES], plan: RULE_PLAN, ageAbove: RULE_AGE_ABOVE },
      };
    case 'split':
      return { key, defaultVariant: 'off', splitUpTo: 0.5 };
  }
}

type OnOff = 'on' | 'off';

function contextEvaluatorOf(spec: OpenFeatureFlagSpec): ((ctx: EvaluationContext) => OnOff) | undefined {
  const rule = spec.rule;
  if (rule !== undefined) {
    const { countries, plan, ageAbove } = rule;
    return (ctx) =>
      typeof ctx.country === 'string' &&
      countries.includes(ctx.country) &&
      ctx.plan === plan &&
      typeof ctx.age === 'number' &&
      ctx.age > ageAbove
        ? 'on'
        : 'off';
  }
  if (spec.splitUpTo !== undefined) {
    const key = spec.key;
    return (ctx) =>
      ctx.targetingKey !== undefined && featbitSplitServesTrue(key, ctx.targetingKey) ? 'on' : 'off';
  }
  return undefined;
}

/** An OpenFeature client bound to its own domain, and the flag keys its provider holds. */
export interface OpenFeatureHandle {
  readonly client: Client;
  readonly provider: InMemoryProvider;
  readonly flagKeys: readonly string[];
}

let domainSerial = 0;

export const openFeaturePeer: PeerFormat<OpenFeatureHandle> = {
  name: 'OpenFeature (InMemoryProvider)',
  json(count, keyAt, kindAt) {
    return JSON.stringify(Array.from({ length: count }, (_, i) => openFeatureSpec(keyAt(i), kindAt(i))));
  },
  async load(json) {
    const specs = JSON.parse(json) as OpenFeatureFlagSpec[];
    const configuration: ConstructorParameters<typeof InMemoryProvider>[0] = {};
    for (const spec of specs) {
      configuration[spec.key] = {
        variants: { on: true, off: false },
        defaultVariant: spec.defaultVariant,
        disabled: false,
        contextEvaluator: contextEvaluatorOf(spec),
      };
    }
    const provider = new InMemoryProvider(configuration);
    const domain = `switchyard-bench-${++domainSerial}`;
    await OpenFeature.setProviderAndWait(domain, provider);
    const client = OpenFeature.getClient(domain);
    return {
      handle: { client, provider, flagKeys: specs.map((spec) => spec.key) },
      close: () => OpenFeature.clearProviders(),
    };
  },
};

/** The user as an OpenFeature evaluation context. */
export function openFeatureContext(user: BenchUser): EvaluationContext {
  return { targetingKey: user.key, ...attributesOf(user, 'age-as-number') };
}

/** Every flag for one user (OpenFeature has no all-flags call): one awaited `getBooleanValue` per key, in turn. */
export async function openFeatureAllFlags(
  client: Client,
  keys: readonly string[],
  context: EvaluationContext,
): Promise<boolean[]> {
  const results: boolean[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) results[i] = await client.getBooleanValue(keys[i], false, context);
  return results;
}
