// Percentage splits (FeatBit rollouts): a visual bar, and an editor of one percentage per variation.
import { useState } from 'preact/hooks';
import { html } from './ui.js';

const COLOURS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d'];
export const colourOf = (index) => COLOURS[index % COLOURS.length];

/** Percent per variation id of a FeatBit split (`[{ id, rollout: [from, to] }]`). */
export function percentages(split, variations) {
  const result = Object.fromEntries(variations.map((v) => [v.id, 0]));
  for (const share of split ?? []) {
    const [from, to] = share.rollout;
    result[share.id] = Math.round(((result[share.id] ?? 0) + Math.max(0, to - from) * 100) * 1000) / 1000;
  }
  return result;
}

/** A FeatBit split from percentages (in variation order; the last share ends at exactly 1). */
export function splitOf(percent, variations, experiment) {
  const shares = variations.filter((v) => (percent[v.id] ?? 0) > 0);
  let from = 0;
  return shares.map((v, i) => {
    const to = i === shares.length - 1 ? 1 : Math.min(1, from + percent[v.id] / 100);
    const share = { id: v.id, rollout: [from, to], exptRollout: experiment ? percent[v.id] / 100 : 0 };
    from = to;
    return share;
  });
}

export function SplitBar({ percent, variations }) {
  return html`<div class="split-bar" role="img" aria-label="split">
    ${variations.map((v, i) =>
      (percent[v.id] ?? 0) > 0
        ? html`<div
            class="split-part"
            data-variation=${v.value}
            style=${`width:${percent[v.id]}%;background:${colourOf(i)}`}
            title=${`${v.value}: ${percent[v.id]} %`}
          >
            ${v.value} ${percent[v.id]} %
          </div>`
        : null,
    )}
  </div>`;
}

/**
 * One percentage input per variation, the bar, and the total. The percentages typed are kept here and given to
 * `onChange` only when they add up to 100 (a split must cover every user), so half-typed splits never reach the
 * flag.
 */
export function SplitEditor({ percent: initial, variations, onChange, name }) {
  const [percent, setPercent] = useState(initial);
  const total = Object.values(percent).reduce((sum, p) => sum + (Number(p) || 0), 0);
  const complete = Math.abs(total - 100) < 1e-9;
  return html`<div class="split-editor" data-split=${name}>
    <${SplitBar} percent=${percent} variations=${variations} />
    ${variations.map(
      (v) =>
        html`<label class="inline"
          >${v.value}
          <input
            type="number"
            min="0"
            max="100"
            step="any"
            name=${`${name}-${v.value}`}
            value=${percent[v.id] ?? 0}
            onInput=${(e) => {
              const next = { ...percent, [v.id]: Number(e.currentTarget.value) };
              setPercent(next);
              const sum = Object.values(next).reduce((s, p) => s + (Number(p) || 0), 0);
              if (Math.abs(sum - 100) < 1e-9) onChange(next);
            }}
          />
          %</label
        >`,
    )}
    <span class=${complete ? 'muted' : 'error'} data-total=${total}
      >total ${total} %${complete ? '' : ' — the split is saved once it adds up to 100 %'}</span
    >
  </div>`;
}
