// Experiments: per variation exposures, conversions, conversion rate with its 95 % interval (a Chart.js floating
// bar per variation), difference against the control and p-value.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from './api.js';
import { ErrorMessage, html } from './ui.js';
import { colourOf } from './split.js';

const percent = (x) => (x === null || x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(2)} %`);

export function ExperimentsPage() {
  const [flagKey, setFlagKey] = useState('');
  const [event, setEvent] = useState('');
  const [result, setResult] = useState();
  const [error, setError] = useState();
  const load = async () => {
    setError(undefined);
    try {
      setResult(
        (await get(`/experiments/${encodeURIComponent(flagKey)}?event=${encodeURIComponent(event)}`)).body,
      );
    } catch (e) {
      setResult(undefined);
      setError(e);
    }
  };
  return html`<section>
    <h2>Experiments</h2>
    <label class="inline"
      >Flag
      <input name="experiment-flag" value=${flagKey} onInput=${(e) => setFlagKey(e.currentTarget.value)}
    /></label>
    <label class="inline"
      >Metric event
      <input name="experiment-event" value=${event} onInput=${(e) => setEvent(e.currentTarget.value)}
    /></label>
    <button class="primary" onClick=${load}>Show results</button>
    <${ErrorMessage} error=${error} />
    ${result ? html`<${ExperimentResult} result=${result} />` : null}
  </section>`;
}

function ExperimentResult({ result }) {
  const variations = result.variations ?? [];
  return html`<div>
    <table class="list" data-experiment=${result.flagKey}>
      <thead>
        <tr>
          <th>Variation</th>
          <th>Exposures</th>
          <th>Conversions</th>
          <th>Rate</th>
          <th>95 % interval</th>
          <th>Δ vs control</th>
          <th>p-value</th>
        </tr>
      </thead>
      <tbody>
        ${variations.map((v) => {
          const interval = v.conversionInterval;
          const versus = v.comparison;
          return html`<tr data-variation=${v.value}>
            <td>${v.value}${v.isControl ? ' (control)' : ''}</td>
            <td>${v.exposures}</td>
            <td>${v.conversions}</td>
            <td>${percent(v.conversionRate)}</td>
            <td>${interval ? `${percent(interval.low)} – ${percent(interval.high)}` : '–'}</td>
            <td>${versus ? percent(versus.difference) : '–'}</td>
            <td>${versus && typeof versus.pValue === 'number' ? versus.pValue.toFixed(4) : '–'}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    <${IntervalChart} variations=${variations} />
  </div>`;
}

/** The rate of each variation as a floating bar from the low to the high end of its 95 % interval. */
function IntervalChart({ variations }) {
  const canvas = useRef();
  useEffect(() => {
    const Chart = window.Chart;
    if (!Chart || !canvas.current) return undefined;
    const bounds = (v) => {
      const i = v.conversionInterval;
      return i ? [i.low * 100, i.high * 100] : [0, 0];
    };
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: variations.map((v) => v.value),
        datasets: [
          {
            label: '95 % interval of the conversion rate (%)',
            data: variations.map(bounds),
            backgroundColor: variations.map((_, i) => colourOf(i)),
          },
          {
            type: 'line',
            label: 'conversion rate (%)',
            data: variations.map((v) => (v.conversionRate ?? 0) * 100),
            showLine: false,
            pointRadius: 6,
            borderColor: '#222',
            backgroundColor: '#222',
          },
        ],
      },
      options: { animation: false, indexAxis: 'y', responsive: true, scales: { x: { beginAtZero: true } } },
    });
    return () => chart.destroy();
  }, [variations]);
  return html`<div class="chart">
    <canvas
      ref=${canvas}
      data-chart="experiment"
      role="img"
      aria-label="conversion rates with 95 % intervals"
    ></canvas>
  </div>`;
}
