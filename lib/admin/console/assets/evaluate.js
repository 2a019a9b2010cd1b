// Evaluate as: a user (JSON) for one or every flag, or switch inputs — value, kind and reason, as a support
// engineer needs them.
import { useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorMessage, html, parseJson, pretty } from './ui.js';

export function EvaluatePage() {
  const [user, setUser] = useState('{ "key": "u1" }');
  const [flagKey, setFlagKey] = useState('');
  const [switchName, setSwitchName] = useState('');
  const [result, setResult] = useState();
  const [error, setError] = useState();
  const run = async (body) => {
    setError(undefined);
    setResult(undefined);
    try {
      setResult((await call('POST', '/evaluate', { body })).body);
    } catch (e) {
      setError(e);
    }
  };
  const parsed = () => parseJson(user, 'The user');
  return html`<section>
    <h2>Evaluate as</h2>
    <label class="block"
      >User or switch inputs (JSON)
      <textarea
        name="user"
        rows="4"
        value=${user}
        onInput=${(e) => setUser(e.currentTarget.value)}
      ></textarea>
    </label>
    <label class="inline"
      >Flag
      <input
        name="flagKey"
        placeholder="blank: every flag"
        value=${flagKey}
        onInput=${(e) => setFlagKey(e.currentTarget.value)}
    /></label>
    <button
      class="primary"
      onClick=${() => {
        try {
          run(flagKey ? { flagKey, user: parsed() } : { user: parsed() });
        } catch (e) {
          setError(e);
        }
      }}
    >
      Evaluate flags
    </button>
    <label class="inline"
      >Switch <input name="switch" value=${switchName} onInput=${(e) => setSwitchName(e.currentTarget.value)}
    /></label>
    <button
      onClick=${() => {
        try {
          const inputs = parsed();
          run({ switch: switchName, inputs: Array.isArray(inputs) ? inputs : [inputs] });
        } catch (e) {
          setError(e);
        }
      }}
    >
      Evaluate switch
    </button>
    <${ErrorMessage} error=${error} />
    ${result ? html`<${EvaluationResult} result=${result} />` : null}
  </section>`;
}

function EvaluationResult({ result }) {
  if (result.switch !== undefined) {
    return html`<div data-result="switch">
      <p>
        <strong>${result.switch}</strong> is
        <strong data-active=${String(result.active)}>${result.active ? 'active' : 'inactive'}</strong>
      </p>
      <p>${result.explanation}</p>
      <ul>
        ${(result.conditions ?? []).map((c) => html`<li>${c.negative ? 'not ' : ''}${c.argument}.${c.attribute} ${c.text}: ${c.inputs.map((i) => (i.applies ? String(i.result) : 'n/a')).join(', ')}</li>`)}
      </ul>
    </div>`;
  }
  if (result.flagKey !== undefined) return html`<${EvaluationResult} result=${{ flags: [result] }} />`;
  const rows = Array.isArray(result)
    ? result
    : Array.isArray(result.results)
      ? result.results
      : Array.isArray(result.flags)
        ? result.flags
        : null;
  if (!rows) return html`<pre data-result>${pretty(result)}</pre>`;
  return html`<table class="list" data-result>
    <thead>
      <tr>
        <th>Flag</th>
        <th>Value</th>
        <th>Kind</th>
        <th>Reason</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr data-flag=${r.flagKey ?? r.key}>
            <td>${r.flagKey ?? r.key}</td>
            <td>${JSON.stringify(r.value)}</td>
            <td>${r.kind}</td>
            <td>${r.reason}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
