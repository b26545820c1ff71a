/** The exploration report: its content as data (`ReportData`) and one self-contained HTML file. */
export type * from './types.js';
export { buildReport, type ReportInput } from './model.js';
export { renderReportHtml } from './html.js';
