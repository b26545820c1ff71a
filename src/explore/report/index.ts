/** The exploration report: its content as data (`ReportData`) and one self-contained HTML file. */
export type * from './types.js';
export { buildReport, type ReportInput } from './model.js';
export { renderReportHtml } from './html.js';
export { ChartCollector, renderPage, esc, jsonForScript, fmtInt, fmtNum, fmtPct, type PageContent } from './page.js';
export { driftChart, vegaLiteSpec, type ChartSpec } from './charts.js';
