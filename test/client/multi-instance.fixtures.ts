/** Shared by the two processes of the multi-instance test: the same argument definition, as two app instances have. */
import { StorageConflictError, defineArguments, value, type FeatureFlagClient } from '../../lib/index.js';

export class Visitor {
  constructor(
    readonly id: string,
    readonly age: number,
  ) {}
}

export const VisitorArguments = defineArguments({
  name: 'Visitor',
  appliesTo: Visitor,
  attributes: { age: value<Visitor>('age') },
});

/** Reads the counter a switch keeps in its label (the read-modify-write test). */
export const counterOf = (label: string | null): number => Number(label ?? '0');

/**
 * Adds one to the counter kept in the 'counter' switch's label, read-modify-write: on a conflict (another
 * instance wrote first) it waits a moment for the newer version to arrive and tries again.
 * @returns how many conflicts it retried.
 */
export async function incrementCounter(client: FeatureFlagClient): Promise<number> {
  for (let conflicts = 0; ; conflicts++) {
    const copy = client.switch('counter');
    copy.label = String(counterOf(copy.label) + 1);
    try {
      await copy.save();
      return conflicts;
    } catch (error) {
      if (!(error instanceof StorageConflictError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}
