/**
 * The three states of a switch (Gutter): off for everyone, on by its conditions, on for everyone.
 * @publicApi
 */
export const SwitchState = {
  Disabled: 'disabled',
  Selective: 'selective',
  Global: 'global',
} as const;

/** @publicApi */
export type SwitchState = (typeof SwitchState)[keyof typeof SwitchState];

const byUpstreamNumber: Record<number, SwitchState> = { 1: 'disabled', 2: 'selective', 3: 'global' };

/**
 * Reads a state as written by us (`'global'`) or by upstream Gutter (`3`); undefined when it is neither.
 */
export function parseSwitchState(value: unknown): SwitchState | undefined {
  if (typeof value === 'number') return byUpstreamNumber[value];
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'disabled' || lower === 'selective' || lower === 'global' ? lower : undefined;
}
