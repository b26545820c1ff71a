/** The report's stylesheet: quiet colours, one accent, a fixed navigation column, readable tables. */
export const REPORT_CSS = `
:root {
  --ink: #1f2933; --ink-2: #52606d; --ink-3: #7b8794; --line: #e4e7eb; --bg: #f7f8fa; --card: #fff;
  --accent: #3b6fd8; --accent-soft: #e8effc; --warn: #b35c00; --warn-soft: #fff3e0; --info: #3e4c59; --info-soft: #eef1f4;
  --ok: #2f8132; --ok-soft: #e6f4e7; --bad: #c23030; --bad-soft: #fdeaea;
  --mono: ui-monospace, "SF Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html { scroll-behavior: smooth; scroll-padding-top: 16px; }
body { margin: 0; font: 14px/1.5 Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
nav.side { position: fixed; inset: 0 auto 0 0; width: 248px; overflow-y: auto; background: #fff; border-right: 1px solid var(--line); padding: 20px 14px 40px; }
nav.side .brand { font-weight: 700; letter-spacing: .02em; color: var(--ink); font-size: 15px; }
nav.side .brand span { color: var(--accent); }
nav.side .project { color: var(--ink-3); font-size: 12px; margin: 2px 0 18px; }
nav.side h4 { margin: 18px 6px 6px; font-size: 11px; text-transform: uppercase; letter-spacing: .08em; color: var(--ink-3); font-weight: 600; }
nav.side a { display: flex; justify-content: space-between; gap: 8px; padding: 4px 8px; border-radius: 6px; color: var(--ink-2); font-size: 13px; }
nav.side a:hover { background: var(--bg); text-decoration: none; color: var(--ink); }
nav.side a .count { color: var(--ink-3); font-size: 12px; }
nav.side a.sub { padding-left: 20px; font-size: 12.5px; }
main { margin-left: 248px; padding: 32px 40px 80px; max-width: 1280px; }
header.top h1 { margin: 0; font-size: 26px; font-weight: 700; }
header.top p { margin: 4px 0 0; color: var(--ink-3); }
section { margin-top: 40px; }
section > h2 { font-size: 19px; margin: 0 0 4px; }
section > .lead { color: var(--ink-2); margin: 0 0 16px; }
h3 { font-size: 15px; margin: 24px 0 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; margin: 20px 0; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.kpi .label { color: var(--ink-3); font-size: 12px; }
.kpi .value { font-size: 22px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.kpi .sub { color: var(--ink-3); font-size: 12px; }
.kpi.wide { grid-column: span 2; }
.kpi .value.text { font-size: 16px; padding-top: 5px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.kpi.warn .value { color: var(--warn); }
table.grid { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; font-size: 13px; }
table.grid th { text-align: left; font-weight: 600; color: var(--ink-2); background: #fafbfc; border-bottom: 1px solid var(--line); padding: 8px 12px; font-size: 12px; }
table.grid td { padding: 7px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.grid tr:last-child td { border-bottom: none; }
table.grid td.num, table.grid th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 550; background: var(--info-soft); color: var(--info); white-space: nowrap; }
.badge.accent { background: var(--accent-soft); color: var(--accent); }
.badge.warn { background: var(--warn-soft); color: var(--warn); }
.badge.ok { background: var(--ok-soft); color: var(--ok); }
.badge.bad { background: var(--bad-soft); color: var(--bad); }
ul.alerts { list-style: none; margin: 0; padding: 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
ul.alerts li { display: grid; grid-template-columns: 170px minmax(160px, 260px) 1fr; gap: 12px; align-items: baseline; padding: 8px 14px; border-bottom: 1px solid var(--line); }
ul.alerts li .badge { justify-self: start; }
ul.alerts li:last-child { border-bottom: none; }
ul.alerts .where { color: var(--ink-2); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.muted { color: var(--ink-3); }
.empty { color: var(--ink-3); font-style: italic; padding: 12px 0; }
.two { display: grid;
  align-items: start; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
.columns { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 14px; align-items: start; }
.col-card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; display: flex; flex-direction: column; gap: 8px; min-width: 0; }
.col-card header { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.col-card header h4 { margin: 0; font-size: 14.5px; word-break: break-all; }
.col-card .physical { color: var(--ink-3); font-size: 12px; font-family: var(--mono); }
dl.stats { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 4px 12px; margin: 0; font-size: 12.5px; }
dl.stats div { min-width: 0; }
dl.stats dt { color: var(--ink-3); font-size: 11.5px; }
dl.stats dd { margin: 0; font-variant-numeric: tabular-nums; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chart { width: 100%; min-height: 40px; }
.chart.wide { min-height: 120px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; }
.note { background: var(--accent-soft); color: #24477f; border-radius: 8px; padding: 10px 14px; }
.scroll-x { overflow-x: auto; }
.two > :only-child { grid-column: 1 / -1; }
.col-card .unique-note { color: var(--ink-3); font-size: 12.5px; }
@media (max-width: 900px) { nav.side { display: none; } main { margin-left: 0; padding: 20px; } .two { grid-template-columns: 1fr; } }
@media print { nav.side { display: none; } main { margin-left: 0; } }
`;
