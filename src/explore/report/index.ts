/** The exploration report: its content as data (`ReportData`) and one self-contained HTML file. */
export type * from './types.js';
export { buildReport, type ReportInput } from './model.js';
export { renderReportHtml } from './html.js';
// the page and chart placement other reports (the monitoring dashboard) are written with
export { Charts, esc, renderPage, type PageParts } from './page.js';
export { chartSpec, driftChart, type ChartSpec } from './charts.js';
