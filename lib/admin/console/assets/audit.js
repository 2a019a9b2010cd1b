// The audit log: who changed what and when, with the diff of each write; filter by record.
import { useState } from 'preact/hooks';
import { get } from './api.js';
import { Loading, html, itemsOf, useData } from './ui.js';

const show = (value) => (value === undefined ? '' : JSON.stringify(value));

export function AuditPage() {
  const [kind, setKind] = useState('');
  const [key, setKey] = useState('');
  const query = new URLSearchParams({ ...(kind ? { kind } : {}), ...(key ? { key } : {}), limit: '100' });
  const state = useData(() => get(`/audit?${query}`), [kind, key]);
  return html`<section>
    <h2>Audit log</h2>
    <select aria-label="record kind" value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
      <option value="">every kind</option>
      <option value="flag">flags</option>
      <option value="segment">segments</option>
      <option value="switch">switches</option>
    </select>
    <input
      name="audit-key"
      aria-label="filter by record key"
      placeholder="record key"
      value=${key}
      onInput=${(e) => setKey(e.currentTarget.value)}
    />
    <${Loading} state=${state}>
      ${({ body }) =>
        html`<ol class="audit" data-list="audit">
          ${itemsOf(body, 'entries').map(
            (entry) =>
              html`<li data-audit=${entry.id}>
                <strong>${entry.actor}</strong> ${entry.action} ${entry.kind} <code>${entry.key}</code>
                <small class="muted"
                  >${entry.time} · v${entry.previousVersion ?? '–'} → v${entry.version}</small
                >
                ${entry.comment ? html`<em> “${entry.comment}”</em>` : null}
                <table class="diff">
                  ${(entry.changes ?? []).map(
                    (c) =>
                      html`<tr class=${c.op}>
                        <td>${c.op}</td>
                        <td><code>${c.path || '/'}</code></td>
                        <td class="from">${show(c.from)}</td>
                        <td class="to">${show(c.to)}</td>
                      </tr>`,
                  )}
                </table>
              </li>`,
          )}
        </ol>`}
    <//>
  </section>`;
}
