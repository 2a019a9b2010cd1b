// Flags: the list (search, on/off toggles) and one flag's page (variations, targets, rules, fallthrough split,
// dispatch key, archive). Every save sends the version it was read at: a stale edit is refused (409), not merged.
import { useState } from 'preact/hooks';
import { call, get } from './api.js';
import { Action, ErrorMessage, Loading, html, itemsOf, useData } from './ui.js';
import { SplitBar, SplitEditor, percentages, splitOf } from './split.js';

export const FEATBIT_OPERATORS = [
  'Equal',
  'NotEqual',
  'Contains',
  'NotContain',
  'StartsWith',
  'EndsWith',
  'IsOneOf',
  'NotOneOf',
  'MatchRegex',
  'NotMatchRegex',
  'BiggerThan',
  'BiggerEqualThan',
  'LessThan',
  'LessEqualThan',
  'IsTrue',
  'IsFalse',
];
export const IN_SEGMENT = 'User is in segment';
export const NOT_IN_SEGMENT = 'User is not in segment';

export function FlagList() {
  const [query, setQuery] = useState('');
  const state = useData(() => get(`/flags${query ? `?q=${encodeURIComponent(query)}` : ''}`), [query]);
  return html`<section>
    <h2>Flags</h2>
    <input
      type="search"
      placeholder="Search flags"
      aria-label="Search flags"
      value=${query}
      onInput=${(e) => setQuery(e.currentTarget.value)}
    />
    <${Loading} state=${state}>
      ${({ body }) =>
        html`<table class="list" data-list="flags">
          <thead>
            <tr>
              <th>Key</th>
              <th>Name</th>
              <th>Type</th>
              <th>On</th>
            </tr>
          </thead>
          <tbody>
            ${itemsOf(body, 'flags').map(
              (flag) =>
                html`<tr data-flag=${flag.key}>
                  <td><a href=${`#/flags/${encodeURIComponent(flag.key)}`}>${flag.key}</a></td>
                  <td>${flag.name ?? ''}</td>
                  <td>${flag.variationType}</td>
                  <td><${Toggle} flag=${flag} onDone=${state.reload} /></td>
                </tr>`,
            )}
          </tbody>
        </table>`}
    <//>
  </section>`;
}

function Toggle({ flag, onDone }) {
  const [error, setError] = useState();
  const on = flag.isEnabled === true;
  const flip = async () => {
    setError(undefined);
    try {
      await call('PATCH', `/flags/${encodeURIComponent(flag.key)}`, {
        body: { enabled: !on },
        version: flag.version,
      });
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return html`<label class="switch"
      ><input type="checkbox" role="switch" aria-label=${`${flag.key} on`} checked=${on} onChange=${flip} />
      ${on ? 'on' : 'off'}</label
    ><${ErrorMessage} error=${error} />`;
}

export function FlagPage({ flagKey }) {
  const [draft, setDraft] = useState();
  const state = useData(() => get(`/flags/${encodeURIComponent(flagKey)}`), [flagKey], { paused: !!draft });
  const segments = useData(() => get('/segments'), []);
  return html`<section>
    <p><a href="#/flags">← Flags</a></p>
    <${Loading} state=${state}>
      ${({ body, version }) => {
        const flag = draft?.doc ?? body.data;
        const baseVersion = draft?.version ?? body.version ?? version;
        const edit = (change) => setDraft({ doc: change(structuredClone(flag)), version: baseVersion });
        return html`<${FlagEditor}
          flag=${flag}
          version=${baseVersion}
          editing=${!!draft}
          edit=${edit}
          segments=${itemsOf(segments.value?.body, 'segments')}
          discard=${() => setDraft(undefined)}
          saved=${() => {
            setDraft(undefined);
            state.reload();
          }}
        />`;
      }}
    <//>
  </section>`;
}

function FlagEditor({ flag, version, editing, edit, segments, discard, saved }) {
  const variations = flag.variations ?? [];
  const [experiment, setExperiment] = useState(flag.fallthrough?.includedInExpt === true);
  const path = `/flags/${encodeURIComponent(flag.key)}`;
  const save = async () => {
    await call('PUT', path, { body: flag, version });
    saved();
  };
  return html`<article data-flag-page=${flag.key}>
    <h2>${flag.name || flag.key} <small class="muted">${flag.key} · version ${version}</small></h2>
    ${flag.isArchived ? html`<p class="error">Archived</p>` : null}
    <label class="switch"
      ><input
        type="checkbox"
        name="isEnabled"
        checked=${flag.isEnabled}
        onChange=${(e) => edit((f) => ({ ...f, isEnabled: e.currentTarget.checked }))}
      />
      targeting ${flag.isEnabled ? 'on' : 'off'}</label
    >
    <h3>Variations <small class="muted">${flag.variationType}</small></h3>
    <ul class="variations">
      ${variations.map(
        (v, i) =>
          html`<li>
            <input
              aria-label=${`variation ${i + 1}`}
              value=${v.value}
              onInput=${(e) =>
                edit((f) => {
                  f.variations[i].value = e.currentTarget.value;
                  return f;
                })}
            />
            <small class="muted">${v.id}</small>
          </li>`,
      )}
    </ul>
    <h3>Targeted users</h3>
    ${variations.map((v) => {
      const target = (flag.targetUsers ?? []).find((t) => t.variationId === v.id);
      return html`<label class="block"
        >${v.value}
        <textarea
          name=${`targets-${v.value}`}
          rows="2"
          placeholder="user keys, one per line"
          onInput=${(e) => edit((f) => setTargets(f, v.id, e.currentTarget.value))}
        >
${(target?.keyIds ?? []).join('\n')}</textarea>
      </label>`;
    })}
    <h3>Rules</h3>
    ${(flag.rules ?? []).map(
      (rule, r) =>
        html`<${RuleEditor}
          rule=${rule}
          index=${r}
          variations=${variations}
          segments=${segments}
          edit=${(change) =>
            edit((f) => {
              f.rules[r] = change(f.rules[r]);
              return f;
            })}
          remove=${() =>
            edit((f) => {
              f.rules.splice(r, 1);
              return f;
            })}
        />`,
    )}
    <button onClick=${() => edit((f) => addRule(f))}>Add rule</button>
    <h3>Default rule (fallthrough)</h3>
    <${SplitEditor}
      name="fallthrough"
      variations=${variations}
      percent=${percentages(flag.fallthrough?.variations, variations)}
      onChange=${(percent) => edit((f) => ({ ...f, fallthrough: { ...f.fallthrough, includedInExpt: experiment, variations: splitOf(percent, variations, experiment) } }))}
    />
    <label class="inline"
      ><input
        type="checkbox"
        checked=${experiment}
        name="experiment"
        onChange=${(e) => setExperiment(e.currentTarget.checked)}
      />
      part of the experiment</label
    >
    <label class="block"
      >Dispatch key (attribute to split by; blank = user key)
      <input
        name="dispatchKey"
        value=${flag.fallthrough?.dispatchKey ?? ''}
        onInput=${(e) => edit((f) => ({ ...f, fallthrough: { ...f.fallthrough, dispatchKey: e.currentTarget.value || null } }))}
      />
    </label>
    <label class="block"
      >Served when off
      <select
        name="disabledVariationId"
        value=${flag.disabledVariationId}
        onChange=${(e) => edit((f) => ({ ...f, disabledVariationId: e.currentTarget.value }))}
      >
        ${variations.map((v) => html`<option value=${v.id}>${v.value}</option>`)}
      </select>
    </label>
    <div class="buttons">
      ${editing ? html`<${Action} run=${save} class="primary">Save<//> <button onClick=${discard}>Discard</button>` : null}
      ${
        !flag.isArchived
          ? html`<${Action}
              run=${async () => {
                await call('DELETE', path, { version });
                saved();
              }}
              confirm=${`Archive flag ${flag.key}? Every client will answer it as not found.`}
              >Archive<//
            >`
          : null
      }
    </div>
  </article>`;
}

function setTargets(flag, variationId, text) {
  const keys = text
    .split(/[\n,]/)
    .map((k) => k.trim())
    .filter(Boolean);
  const others = (flag.targetUsers ?? []).filter((t) => t.variationId !== variationId);
  flag.targetUsers = keys.length ? [...others, { variationId, keyIds: keys }] : others;
  return flag;
}

function addRule(flag) {
  const first = flag.variations[0]?.id;
  flag.rules = [
    ...(flag.rules ?? []),
    {
      name: `rule ${(flag.rules ?? []).length + 1}`,
      dispatchKey: null,
      includedInExpt: false,
      conditions: [{ property: '', op: 'Equal', value: '' }],
      variations: [{ id: first, rollout: [0, 1], exptRollout: 0 }],
    },
  ];
  return flag;
}

function RuleEditor({ rule, index, variations, segments, edit, remove }) {
  const percent = percentages(rule.variations, variations);
  const setCondition = (c, change) =>
    edit((r) => ({ ...r, conditions: r.conditions.map((x, i) => (i === c ? change({ ...x }) : x)) }));
  return html`<fieldset class="rule" data-rule=${index}>
    <legend>
      <input
        aria-label="rule name"
        value=${rule.name}
        onInput=${(e) => edit((r) => ({ ...r, name: e.currentTarget.value }))}
      />
    </legend>
    ${rule.conditions.map((condition, c) => {
      const isSegment = condition.property === IN_SEGMENT || condition.property === NOT_IN_SEGMENT;
      return html`<div class="condition">
        <select
          aria-label="condition kind"
          value=${isSegment ? condition.property : 'attribute'}
          onChange=${(e) => {
            const kind = e.currentTarget.value;
            setCondition(c, () =>
              kind === 'attribute'
                ? { property: '', op: 'Equal', value: '' }
                : { property: kind, op: null, value: JSON.stringify(segments[0] ? [segments[0].id] : []) },
            );
          }}
        >
          <option value="attribute">attribute</option>
          <option value=${IN_SEGMENT}>${IN_SEGMENT}</option>
          <option value=${NOT_IN_SEGMENT}>${NOT_IN_SEGMENT}</option>
        </select>
        ${
          isSegment
            ? html`<select
                aria-label="segment"
                value=${safeList(condition.value)[0] ?? ''}
                onChange=${(e) => setCondition(c, (x) => ({ ...x, value: JSON.stringify([e.currentTarget.value]) }))}
              >
                ${segments.map((s) => html`<option value=${s.id}>${s.name || s.id}</option>`)}
              </select>`
            : html`<input
                  aria-label="attribute"
                  placeholder="attribute"
                  value=${condition.property ?? ''}
                  onInput=${(e) => setCondition(c, (x) => ({ ...x, property: e.currentTarget.value }))}
                />
                <select
                  aria-label="operator"
                  value=${condition.op}
                  onChange=${(e) => setCondition(c, (x) => ({ ...x, op: e.currentTarget.value }))}
                >
                  ${FEATBIT_OPERATORS.map((op) => html`<option value=${op}>${op}</option>`)}
                </select>
                <input
                  aria-label="value"
                  placeholder='value (lists: ["a","b"])'
                  value=${condition.value ?? ''}
                  onInput=${(e) => setCondition(c, (x) => ({ ...x, value: e.currentTarget.value }))}
                />`
        }
        <button
          aria-label="remove condition"
          onClick=${() => edit((r) => ({ ...r, conditions: r.conditions.filter((_, i) => i !== c) }))}
        >
          ×
        </button>
      </div>`;
    })}
    <button
      onClick=${() => edit((r) => ({ ...r, conditions: [...r.conditions, { property: '', op: 'Equal', value: '' }] }))}
    >
      Add condition
    </button>
    <${SplitEditor}
      name=${`rule-${index}`}
      variations=${variations}
      percent=${percent}
      onChange=${(p) => edit((r) => ({ ...r, variations: splitOf(p, variations, r.includedInExpt) }))}
    />
    <button onClick=${remove}>Remove rule</button>
  </fieldset>`;
}

function safeList(value) {
  try {
    const list = JSON.parse(value);
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export { SplitBar };
