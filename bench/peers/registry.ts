/** Every implementation of the comparison, by the id the heap child takes on its command line. */
import { featbitPeer } from './featbit.js';
import { featbitBootstrapJson } from './featbit-flags.js';
import { growthBookPeer } from './growthbook.js';
import { launchDarklyPeer } from './launchdarkly.js';
import { openFeaturePeer } from './openfeature.js';
import type { PeerFormat } from './peer.js';
import { switchyardPeer, switchyardWithDocumentsPeer } from './switchyard.js';
import { unleashPeer } from './unleash.js';

/**
 * Not an SDK: FeatBit's JSON parsed and nothing else — what any client that keeps the documents retains before
 * its own structures (shown in the heap table only).
 */
const parsedFeatBitJson: PeerFormat<unknown> = {
  name: 'FeatBit JSON parsed only (reference, no SDK)',
  json: featbitBootstrapJson,
  async load(json) {
    const parsed: unknown = JSON.parse(json);
    return { handle: parsed, close: async () => {} };
  },
};

/** The SDKs, ours first; each is timed by flag-peers.bench.ts and measured by heap-child.ts. */
export const PEERS = {
  switchyard: switchyardPeer,
  featbit: featbitPeer,
  launchdarkly: launchDarklyPeer,
  growthbook: growthBookPeer,
  unleash: unleashPeer,
  openfeature: openFeaturePeer,
} satisfies Record<string, PeerFormat<unknown>>;

/** Everything the heap table shows: the SDKs, then the parsed-JSON reference. */
export const HEAP_SUBJECTS = {
  ...PEERS,
  'switchyard-documents': switchyardWithDocumentsPeer,
  'featbit-json': parsedFeatBitJson,
} satisfies Record<string, PeerFormat<unknown>>;

export type HeapSubjectId = keyof typeof HEAP_SUBJECTS;

export function isHeapSubjectId(id: string): id is HeapSubjectId {
  return Object.hasOwn(HEAP_SUBJECTS, id);
}
