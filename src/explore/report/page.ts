/**
 * A self-contained HTML page with Vega-Lite charts: the chart libraries, the chart specs and their
 * data are all inline, so it opens from disk or an e-mail attachment with no network. The
 * exploration report and the model card are written with it.
 */
import { chartScripts } from './assets.js';
import type { ChartSpec } from './charts.js';
import { REPORT_CSS } from './style.js';

/** Collects chart specs while the page is written; each gets a container `<div data-chart=…>`. */
export class ChartCollector {
  readonly specs: Record<string, ChartSpec> = {};
  #next = 0;

  place(spec: ChartSpec | null, className = 'chart'): string {
    if (!spec) return '';
    const id = `c${this.#next++}`;
    this.specs[id] = spec;
    return `<div class="${className}" data-chart="${id}" role="img"></div>`;
  }
}

export interface PageContent {
  /** the <title> */
  readonly title: string;
  /** the side navigation (a <nav class="side">), or '' */
  readonly nav: string;
  /** the sections, inside <main> */
  readonly body: string;
  readonly charts: ChartCollector;
}

export function renderPage(page: PageContent): string {
  const { charts } = page;
  const scripts = chartScripts()
    .map((s) => `<script>${s}</script>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="autolab">
<title>${esc(page.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${page.nav}
<main>
${page.body}
</main>
${scripts}
<script type="application/json" id="autolab-report-charts">${jsonForScript(charts.specs)}</script>
<script>${RENDER_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * Renders every chart in document order, yielding to the browser between batches so that a
 * report with thousands of columns stays responsive; marks the body when done (tests wait on it).
 */
const RENDER_SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('autolab-report-charts').textContent);
  var nodes = Array.prototype.slice.call(document.querySelectorAll('[data-chart]'));
  var rendered = 0, failed = 0;
  function pause() { return new Promise(function (r) { setTimeout(r, 0); }); }
  async function run() {
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      try {
        await vegaEmbed(el, specs[el.getAttribute('data-chart')], { actions: false, renderer: 'svg' });
        rendered++;
      } catch (e) {
        failed++;
        el.textContent = 'This chart could not be drawn: ' + (e && e.message ? e.message : e);
        console.error(e);
      }
      if (i % 25 === 24) await pause();
    }
    document.body.setAttribute('data-charts-rendered', String(rendered));
    document.body.setAttribute('data-charts-failed', String(failed));
    document.body.setAttribute('data-charts-ready', 'true');
  }
  run();
})();
`;

/** Escapes text for HTML element content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);
}

/** JSON that cannot end its <script> element early or break a JS parser. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtNum(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return n.toLocaleString('en-US');
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return n.toExponential(2);
  return Number(n.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 4 });
}

export function fmtPct(share: number): string {
  if (share > 0 && share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(share >= 0.1 || share === 0 ? 1 : 2).replace(/\.0+$/, '')}%`;
}
