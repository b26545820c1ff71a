/**
 * The page every autolab report is: one self-contained HTML file — the report's CSS, the chart
 * libraries (Vega, Vega-Lite, Vega-Embed) inline, the chart specs as one JSON script, rendered in
 * document order — so it opens from disk or an e-mail attachment with no network. The exploration
 * report and the monitoring dashboard write their sections; this writes the rest.
 */
import { chartScripts } from './assets.js';
import type { ChartSpec } from './charts.js';
import { REPORT_CSS } from './style.js';

/** Collects chart specs while the page is written; each gets a container `<div data-chart=…>`. */
export class Charts {
  readonly specs: Record<string, ChartSpec> = {};
  #next = 0;

  place(spec: ChartSpec | null, className = 'chart'): string {
    if (!spec) return '';
    const id = `c${this.#next++}`;
    this.specs[id] = spec;
    return `<div class="${className}" data-chart="${id}" role="img"></div>`;
  }
}

export interface PageParts {
  /** the document's title */
  readonly title: string;
  /** the side navigation (`<nav class="side">…</nav>`) */
  readonly nav: string;
  /** the sections, as HTML */
  readonly body: string;
  /** the charts the sections placed */
  readonly charts: Charts;
}

export function renderPage(parts: PageParts): string {
  const scripts = chartScripts()
    .map((s) => `<script>${s}</script>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="autolab">
<title>${esc(parts.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${parts.nav}
<main>
${parts.body}
</main>
${scripts}
<script type="application/json" id="autolab-report-charts">${jsonForScript(parts.charts.specs)}</script>
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

