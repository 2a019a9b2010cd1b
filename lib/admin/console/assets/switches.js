// Switches (gutter-django parity): sorted list with the parent path greyed, state / compounded / concent, a
// conditions editor whose argument and operator pickers come from the app's registries, negation, copy
// conditions, delete with descendants (confirmed), export and import as JSON.
import { useEffect, useState } from 'preact/hooks';
import { call, get } from './api.js';
import { Action, ErrorMessage, Loading, download, html, itemsOf, parseJson, useData } from './ui.js';

const STATES = ['disabled', 'selective', 'global'];
const versionOf = (record) => (record ? (record.version ?? Date.parse(record.updatedAt)) : undefined);

export function SwitchList() {
  const [namespace, setNamespace] = useState('default');
  const [open, setOpen] = useState();
  const state = useData(() => get(`/switches?namespace=${encodeURIComponent(namespace)}`), [namespace], {
    paused: !!open,
  });
  const registry = useData(() => get('/registry'), []);
  const [importText, setImportText] = useState('');
  const switches = itemsOf(state.value?.body, 'switches')
    .slice()
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return html`<section>
    <h2>Switches</h2>
    <label class="inline"
      >Namespace
      <input
        name="namespace"
        value=${namespace}
        onChange=${(e) => setNamespace(e.currentTarget.value || 'default')}
    /></label>
    <${Loading} state=${state}>
      ${() =>
        html`<table class="list" data-list="switches">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Compounded</th>
              <th>Concent</th>
              <th>Conditions</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${switches.map((sw) => {
              const cut = sw.name.lastIndexOf(':');
              return html`<tr data-switch=${sw.name} data-version=${versionOf(sw)}>
                <td>
                  <span class="muted parent">${cut >= 0 ? sw.name.slice(0, cut + 1) : ''}</span
                  >${cut >= 0 ? sw.name.slice(cut + 1) : sw.name}
                  ${sw.label ? html`<div class="label" data-label>${sw.label}</div>` : null}
                </td>
                <td>
                  <${StateSelect} sw=${sw} onDone=${state.reload} />
                </td>
                <td>${sw.compounded ? 'yes' : 'no'}</td>
                <td>${sw.concent ? 'yes' : 'no'}</td>
                <td>${sw.conditions.length}</td>
                <td>
                  <button
                    aria-label=${`edit ${sw.name}`}
                    aria-expanded=${open === sw.name}
                    onClick=${() => setOpen(open === sw.name ? undefined : sw.name)}
                  >
                    Edit
                  </button>
                  <${Action}
                    label=${`delete ${sw.name}`}
                    run=${() => remove(sw, switches, state.reload)}
                    confirm=${deleteQuestion(sw, switches)}
                    >Delete<//
                  >
                </td>
              </tr>`;
            })}
          </tbody>
        </table>`}
    <//>
    ${
      open
        ? html`<${SwitchEditor}
            key=${open}
            record=${switches.find((s) => s.name === open)}
            all=${switches}
            registry=${registry.value?.body ?? { arguments: [], operators: [] }}
            close=${() => {
              setOpen(undefined);
              state.reload();
            }}
          />`
        : null
    }
    <${NewSwitch} namespace=${namespace} done=${state.reload} />
    <h3>Export / import</h3>
    <${Action} run=${async () => download('switchyard-export.json', (await get('/export')).body)}
      >Export JSON<//
    >
    <textarea
      name="import"
      aria-label="switches to import (JSON)"
      rows="4"
      placeholder="Paste an export here"
      value=${importText}
      onInput=${(e) => setImportText(e.currentTarget.value)}
    ></textarea>
    <${Action}
      run=${async () => {
        await call('POST', '/import', { body: parseJson(importText, 'The import') });
        setImportText('');
        state.reload();
      }}
      >Import JSON<//
    >
  </section>`;
}

const pathOf = (sw) =>
  `/switches/${encodeURIComponent(sw.name)}?namespace=${encodeURIComponent(sw.namespace ?? 'default')}`;

/**
 * A switch's state, changed in place. The change is conditional on the version the row shows: when the switch
 * changed meanwhile (elsewhere, or a change of this page still being reloaded) the conflict is shown and the row
 * reloads to what the server has — the select never shows a state the server refused.
 */
function StateSelect({ sw, onDone }) {
  const [error, setError] = useState();
  const change = async (value) => {
    setError(undefined);
    try {
      await call('PATCH', pathOf(sw), { body: { state: value }, version: versionOf(sw) });
    } catch (e) {
      setError(e);
    } finally {
      onDone();
    }
  };
  return html`<select
      aria-label=${`${sw.name} state`}
      value=${sw.state}
      onChange=${(e) => void change(e.currentTarget.value)}
    >
      ${STATES.map((s) => html`<option value=${s}>${s}</option>`)}</select
    ><${ErrorMessage} error=${error} />`;
}

function deleteQuestion(sw, all) {
  const below = all.filter((s) => s.name.startsWith(`${sw.name}:`)).map((s) => s.name);
  return below.length
    ? `Delete ${sw.name} and the ${below.length} switch(es) below it (${below.join(', ')})?`
    : `Delete ${sw.name}?`;
}

async function remove(sw, _all, done) {
  await call('DELETE', pathOf(sw), { version: versionOf(sw) });
  done();
}

function NewSwitch({ namespace, done }) {
  const [name, setName] = useState('');
  return html`<p>
    <input
      name="new-switch"
      aria-label="new switch name"
      placeholder="new switch name (a:b for a child)"
      value=${name}
      onInput=${(e) => setName(e.currentTarget.value)}
    />
    <${Action}
      run=${async () => {
        await call(
          'PUT',
          `/switches/${encodeURIComponent(name)}?namespace=${encodeURIComponent(namespace)}`,
          {
            body: { state: 'disabled', compounded: false, concent: true, conditions: [] },
            version: null,
          },
        );
        setName('');
        done();
      }}
      >Add switch<//
    >
  </p>`;
}

function SwitchEditor({ record, all, registry, close }) {
  // The draft remembers the version it was made from: a save is conditional on that version, never on a newer one
  // that arrived while the user edited (which would overwrite it). An untouched draft follows live changes.
  const [edit, setEdit] = useState(() => ({
    draft: structuredClone(record),
    version: versionOf(record),
    dirty: false,
  }));
  const draft = edit.draft;
  const setDraft = (next) =>
    setEdit((e) => ({ ...e, dirty: true, draft: typeof next === 'function' ? next(e.draft) : next }));
  const latest = versionOf(record);
  useEffect(() => {
    setEdit((e) =>
      e.dirty || latest === e.version ? e : { draft: structuredClone(record), version: latest, dirty: false },
    );
  }, [latest]);
  const [copyFrom, setCopyFrom] = useState('');
  const [error, setError] = useState();
  if (!record) return null;
  const operators = registry.operators ?? [];
  const args = registry.arguments ?? [];
  const setCondition = (i, change) =>
    setDraft((d) => ({ ...d, conditions: d.conditions.map((c, j) => (j === i ? change({ ...c }) : c)) }));
  const save = async () => {
    setError(undefined);
    const { name, namespace, state, compounded, concent, label, description, conditions } = draft;
    try {
      await call('PUT', pathOf(record), {
        body: { name, namespace, state, compounded, concent, label, description, conditions },
        version: edit.version,
      });
      close();
    } catch (e) {
      setError(e);
    }
  };
  return html`<article class="editor" data-switch-editor=${record.name}>
    <h3>${record.name} <small class="muted" data-version=${edit.version}>version ${edit.version}</small></h3>
    <label class="inline"
      ><input
        type="checkbox"
        name="compounded"
        checked=${draft.compounded}
        onChange=${(e) => setDraft({ ...draft, compounded: e.currentTarget.checked })}
      />
      compounded</label
    >
    <label class="inline"
      ><input
        type="checkbox"
        name="concent"
        checked=${draft.concent}
        onChange=${(e) => setDraft({ ...draft, concent: e.currentTarget.checked })}
      />
      concent</label
    >
    <label class="block"
      >Label
      <input
        name="label"
        value=${draft.label ?? ''}
        onInput=${(e) => setDraft({ ...draft, label: e.currentTarget.value || null })}
    /></label>
    <h4>Conditions</h4>
    ${draft.conditions.map((condition, i) => {
      const argument = args.find((a) => a.name === condition.argument);
      const operator = operators.find((o) => o.name === condition.operator.name);
      return html`<div class="condition" data-condition=${i}>
        <select
          aria-label="argument"
          value=${condition.argument}
          onChange=${(e) => setCondition(i, (c) => ({ ...c, argument: e.currentTarget.value, attribute: args.find((a) => a.name === e.currentTarget.value)?.attributes[0] ?? '' }))}
        >
          ${args.map((a) => html`<option value=${a.name}>${a.name}</option>`)}
        </select>
        <select
          aria-label="attribute"
          value=${condition.attribute}
          onChange=${(e) => setCondition(i, (c) => ({ ...c, attribute: e.currentTarget.value }))}
        >
          ${(argument?.attributes ?? []).map((name) => html`<option value=${name}>${name}</option>`)}
        </select>
        <label class="inline"
          ><input
            type="checkbox"
            aria-label="negative"
            checked=${condition.negative}
            onChange=${(e) => setCondition(i, (c) => ({ ...c, negative: e.currentTarget.checked }))}
          />
          not</label
        >
        <select
          aria-label="operator"
          value=${condition.operator.name}
          onChange=${(e) => setCondition(i, (c) => ({ ...c, operator: { name: e.currentTarget.value } }))}
        >
          ${operators.map((o) => html`<option value=${o.name}>${o.name}</option>`)}
        </select>
        ${(operator?.parameters ?? []).map(
          (parameter) =>
            html`<input
              aria-label=${parameter}
              placeholder=${parameter}
              value=${condition.operator[parameter] ?? ''}
              onInput=${(e) => setCondition(i, (c) => ({ ...c, operator: { ...c.operator, [parameter]: typed(e.currentTarget.value) } }))}
            />`,
        )}
        <button
          aria-label="remove condition"
          onClick=${() => setDraft({ ...draft, conditions: draft.conditions.filter((_, j) => j !== i) })}
        >
          ×
        </button>
      </div>`;
    })}
    <button
      onClick=${() =>
        setDraft({
          ...draft,
          conditions: [
            ...draft.conditions,
            {
              argument: args[0]?.name ?? '',
              attribute: args[0]?.attributes[0] ?? '',
              operator: { name: operators[0]?.name ?? '' },
              negative: false,
            },
          ],
        })}
    >
      Add condition
    </button>
    <p>
      <select
        aria-label="copy conditions from"
        value=${copyFrom}
        onChange=${(e) => setCopyFrom(e.currentTarget.value)}
      >
        <option value="">copy conditions from…</option>
        ${all.filter((s) => s.name !== record.name).map((s) => html`<option value=${s.name}>${s.name}</option>`)}
      </select>
      <button
        disabled=${!copyFrom}
        onClick=${() => setDraft({ ...draft, conditions: structuredClone(all.find((s) => s.name === copyFrom).conditions) })}
      >
        Copy
      </button>
    </p>
    <button class="primary" onClick=${save}>Save</button> <button onClick=${close}>Close</button>
    <${ErrorMessage} error=${error} />
  </article>`;
}

/** Operator parameters typed in a box: numbers stay numbers, anything else is text. */
function typed(text) {
  return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}
