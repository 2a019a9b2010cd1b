// Segments: included and excluded users, and rules of FeatBit conditions.
import { useState } from 'preact/hooks';
import { call, get } from './api.js';
import { FEATBIT_OPERATORS } from './flags.js';
import { Action, Loading, html, itemsOf, useData } from './ui.js';

const lines = (text) =>
  text
    .split(/[\n,]/)
    .map((k) => k.trim())
    .filter(Boolean);

export function SegmentList() {
  const state = useData(() => get('/segments'), []);
  const [id, setId] = useState('');
  return html`<section>
    <h2>Segments</h2>
    <${Loading} state=${state}>
      ${({ body }) =>
        html`<ul data-list="segments">
          ${itemsOf(body, 'segments').map(
            (s) =>
              html`<li data-segment=${s.id}>
                <a href=${`#/segments/${encodeURIComponent(s.id)}`}>${s.name || s.id}</a>
                <small class="muted"
                  >${(s.included ?? []).length} included, ${(s.excluded ?? []).length} excluded</small
                >
              </li>`,
          )}
        </ul>`}
    <//>
    <input
      name="new-segment"
      aria-label="new segment id"
      placeholder="new segment id"
      value=${id}
      onInput=${(e) => setId(e.currentTarget.value)}
    />
    <${Action}
      run=${async () => {
        await call('POST', '/segments', { body: { id, name: id, included: [], excluded: [], rules: [] } });
        setId('');
        state.reload();
      }}
      >Add segment<//
    >
  </section>`;
}

export function SegmentPage({ segmentId }) {
  const [draft, setDraft] = useState();
  const state = useData(() => get(`/segments/${encodeURIComponent(segmentId)}`), [segmentId], {
    paused: !!draft,
  });
  return html`<section>
    <p><a href="#/segments">← Segments</a></p>
    <${Loading} state=${state}>
      ${({ body, version }) => {
        const segment = draft?.doc ?? body.data;
        const base = draft?.version ?? body.version ?? version;
        const edit = (change) => setDraft({ doc: change(structuredClone(segment)), version: base });
        const path = `/segments/${encodeURIComponent(segment.id)}`;
        return html`<article data-segment-page=${segment.id}>
          <h2>${segment.name || segment.id} <small class="muted">version ${base}</small></h2>
          ${['included', 'excluded'].map(
            (list) =>
              html`<label class="block"
                >${list}
                <textarea
                  name=${list}
                  rows="3"
                  onInput=${(e) => edit((s) => ({ ...s, [list]: lines(e.currentTarget.value) }))}
                >
${(segment[list] ?? []).join('\n')}</textarea>
              </label>`,
          )}
          <h3>Rules</h3>
          ${(segment.rules ?? []).map(
            (rule, r) =>
              html`<fieldset class="rule">
                <legend>${rule.name || `rule ${r + 1}`}</legend>
                ${rule.conditions.map(
                  (c, i) =>
                    html`<div class="condition">
                      <input
                        aria-label="attribute"
                        value=${c.property ?? ''}
                        onInput=${(e) =>
                          edit((s) => {
                            s.rules[r].conditions[i].property = e.currentTarget.value;
                            return s;
                          })}
                      />
                      <select
                        aria-label="operator"
                        value=${c.op}
                        onChange=${(e) =>
                          edit((s) => {
                            s.rules[r].conditions[i].op = e.currentTarget.value;
                            return s;
                          })}
                      >
                        ${FEATBIT_OPERATORS.map((op) => html`<option value=${op}>${op}</option>`)}
                      </select>
                      <input
                        aria-label="value"
                        value=${c.value ?? ''}
                        onInput=${(e) =>
                          edit((s) => {
                            s.rules[r].conditions[i].value = e.currentTarget.value;
                            return s;
                          })}
                      />
                    </div>`,
                )}
                <button
                  onClick=${() =>
                    edit((s) => {
                      s.rules.splice(r, 1);
                      return s;
                    })}
                >
                  Remove rule
                </button>
              </fieldset>`,
          )}
          <button
            onClick=${() => edit((s) => ({ ...s, rules: [...(s.rules ?? []), { name: `rule ${(s.rules ?? []).length + 1}`, conditions: [{ property: '', op: 'Equal', value: '' }] }] }))}
          >
            Add rule
          </button>
          <div class="buttons">
            ${
              draft
                ? html`<${Action}
                      class="primary"
                      run=${async () => {
                        const { version: _v, ...doc } = segment;
                        await call('PUT', path, { body: doc, version: base });
                        setDraft(undefined);
                        state.reload();
                      }}
                      >Save<//
                    >
                    <button onClick=${() => setDraft(undefined)}>Discard</button>`
                : null
            }
            <${Action}
              confirm=${`Archive segment ${segment.id}?`}
              run=${async () => {
                await call('DELETE', path, { version: base });
                location.hash = '#/segments';
              }}
              >Archive<//
            >
          </div>
        </article>`;
      }}
    <//>
  </section>`;
}
