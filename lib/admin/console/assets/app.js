// The Switchyard console: one page, hash routes, live updates from the audit stream.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { followAudit, signOut } from './api.js';
import { AuditPage } from './audit.js';
import { EvaluatePage } from './evaluate.js';
import { ExperimentsPage } from './experiments.js';
import { FlagList, FlagPage } from './flags.js';
import { SegmentList, SegmentPage } from './segments.js';
import { SwitchList } from './switches.js';
import { LiveContext, html } from './ui.js';

const NAV = [
  ['#/switches', 'Switches'],
  ['#/flags', 'Flags'],
  ['#/segments', 'Segments'],
  ['#/evaluate', 'Evaluate as'],
  ['#/experiments', 'Experiments'],
  ['#/audit', 'Audit log'],
];

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/switches');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/switches');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function Page({ hash }) {
  const [, section, id] = hash.split('/').map(decodeURIComponent);
  if (section === 'flags' && id) return html`<${FlagPage} key=${id} flagKey=${id} />`;
  if (section === 'flags') return html`<${FlagList} />`;
  if (section === 'segments' && id) return html`<${SegmentPage} key=${id} segmentId=${id} />`;
  if (section === 'segments') return html`<${SegmentList} />`;
  if (section === 'evaluate') return html`<${EvaluatePage} />`;
  if (section === 'experiments') return html`<${ExperimentsPage} />`;
  if (section === 'audit') return html`<${AuditPage} />`;
  return html`<${SwitchList} />`;
}

function SignOut() {
  return html`<button type="button" class="sign-out" onClick=${() => void signOut()}>Sign out</button>`;
}

function App() {
  const hash = useHash();
  const [live, setLive] = useState({ tick: 0, last: undefined });
  const [connection, setConnection] = useState('connecting');
  useEffect(
    () =>
      followAudit(
        (entry) => setLive((previous) => ({ tick: previous.tick + 1, last: entry })),
        setConnection,
      ),
    [],
  );
  return html`<${LiveContext.Provider} value=${live}>
    <header>
      <h1>Switchyard</h1>
      <nav>
        ${NAV.map(([href, label]) => html`<a href=${href} class=${hash.startsWith(href) ? 'current' : ''}>${label}</a>`)}
      </nav>
      <span
        class=${`connection ${connection}`}
        data-connection=${connection}
        title="changes made elsewhere appear here live"
      >
        ${connection === 'live' ? '● live' : connection === 'offline' ? '○ offline, reconnecting' : '○ connecting'}
      </span>
      <${SignOut} />
    </header>
    ${
      live.last
        ? html`<p class="toast" data-last-change=${live.last.key}>
            ${live.last.actor} ${live.last.action} ${live.last.kind} ${live.last.key}
          </p>`
        : null
    }
    <main><${Page} hash=${hash} /></main>
  <//>`;
}

render(html`<${App} />`, document.getElementById('app'));
