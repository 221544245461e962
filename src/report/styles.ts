/** The report's only stylesheet, inlined so the file needs nothing from the network. */
export const REPORT_CSS = `
:root {
  --bg: #f4f6fa; --card: #ffffff; --text: #1f2937; --muted: #6b7280; --line: #e5e7eb;
  --green: #15803d; --green-bg: #ecfdf3; --amber: #b45309; --amber-bg: #fff7e6;
  --red: #b91c1c; --red-bg: #fef2f2; --gray: #6b7280; --gray-bg: #f3f4f6; --accent: #4f46e5;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 24px 48px; }
h1 { font-size: 22px; margin: 0; font-weight: 650; }
h2 { font-size: 17px; margin: 0 0 12px; font-weight: 620; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
/* Ids and paths carry <wbr> after their separators: they wrap between parts, and mid-word only if one part alone is too wide. */
code { background: #f1f5f9; padding: 1px 5px; border-radius: 4px; word-break: normal; overflow-wrap: anywhere; }
pre.error { background: var(--red-bg); color: #7f1d1d; border: 1px solid #fecaca; border-radius: 6px; padding: 10px 12px;
  white-space: pre-wrap; word-break: break-word; margin: 8px 0; }
/* Run ids never wrap: a short one (8 hex digits) fits anywhere, the full one scrolls inside its box on a narrow screen. */
code.id, .nowrap { white-space: nowrap; overflow-wrap: normal; }
code.id-full { display: inline-block; max-width: 100%; overflow-x: auto; vertical-align: bottom; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.warn { color: var(--amber); font-weight: 600; }
.note { color: var(--muted); font-style: italic; }
.page-header { background: var(--card); border-radius: 12px; padding: 18px 22px; box-shadow: 0 1px 3px rgba(15, 23, 42, .08); }
.title-row { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; margin-bottom: 10px; }
.run-id { font-weight: 400; color: var(--muted); font-size: 15px; margin-left: 6px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; min-width: 0; }
.pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; letter-spacing: .02em; }
.status-succeeded.pill { background: var(--green-bg); color: var(--green); border: 1px solid #bbf7d0; }
.status-rejected.pill { background: var(--amber-bg); color: var(--amber); border: 1px solid #fde68a; }
.status-failed.pill { background: var(--red-bg); color: var(--red); border: 1px solid #fecaca; }
.status-skipped.pill { background: var(--gray-bg); color: var(--gray); border: 1px solid var(--line); }
.banner { border-radius: 12px; padding: 14px 22px; margin: 16px 0; border: 1px solid; }
.banner h2 { margin: 0; font-size: 18px; }
.banner p { margin: 6px 0 0; }
.banner-succeeded { background: var(--green-bg); border-color: #bbf7d0; color: #14532d; }
.banner-rejected { background: var(--amber-bg); border-color: #fcd34d; color: #78350f; border-width: 2px; }
.banner-failed { background: var(--red-bg); border-color: #fca5a5; color: #7f1d1d; border-width: 2px; }
.reasons { margin: 8px 0 0; padding-left: 20px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 0 16px; }
.tile { flex: 1 1 170px; max-width: 280px; background: var(--card); border-radius: 12px; padding: 12px 16px; box-shadow: 0 1px 3px rgba(15, 23, 42, .08); }
.tile-label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.tile-value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.tile-sub { color: var(--muted); font-size: 12px; }
.card { background: var(--card); border-radius: 12px; padding: 18px 22px; margin: 0 0 16px; box-shadow: 0 1px 3px rgba(15, 23, 42, .08); }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
.layout > .card { margin: 0; min-width: 0; }
.wide { grid-column: 1 / -1; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px; border-bottom: 1px solid var(--line); padding: 6px 8px; }
td { padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
.num { text-align: right; white-space: nowrap; }
.stage-name a { color: var(--text); font-weight: 600; text-decoration: none; }
.stage-name a:hover { text-decoration: underline; }
.duration-head { width: 40%; }
.stages td { vertical-align: middle; }
.duration-bar { height: 10px; border-radius: 5px; background: var(--green); min-width: 0; }
.duration-bar.status-rejected { background: #f59e0b; }
.duration-bar.status-failed { background: #dc2626; }
.duration-bar.status-skipped { background: transparent; }
.notice { border-radius: 8px; padding: 10px 14px; margin: 0; }
.notice-muted { background: var(--gray-bg); color: var(--muted); }
.notice-failed { background: var(--red-bg); color: #7f1d1d; }
.notice p { margin: 0; }
.file-list { margin-top: 10px; }
.file-list summary { cursor: pointer; color: var(--muted); }
.file-list ul { margin: 6px 0 0; padding-left: 20px; columns: 2; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(340px, 100%), 1fr)); gap: 18px; margin-top: 14px; align-items: start; }
figure.chart { margin: 0; }
figure.chart svg { width: 100%; height: auto; max-width: 640px; display: block; }
figure.chart svg.confusion-matrix { max-width: 400px; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 12px; text-align: center; margin-top: 2px; }
svg text { font-family: inherit; font-size: 12px; fill: #374151; }
svg .tick { fill: var(--muted); font-size: 11px; }
svg .axis-label { fill: var(--muted); font-size: 12px; }
svg .grid { stroke: #eef0f3; stroke-width: 1; }
svg .axis, svg .axis-tick { stroke: #9ca3af; stroke-width: 1; }
svg .bar.candidate { fill: var(--accent); }
svg .bar.champion { fill: #9ca3af; }
svg .bar-value { font-size: 11px; fill: #374151; }
svg .bar-label { font-weight: 600; }
svg .cm-count { font-size: 16px; font-weight: 650; fill: #111827; }
svg .cm-share { font-size: 11px; fill: #4b5563; }
svg .on-dark { fill: #ffffff; }
svg .cm-label { font-weight: 600; }
table.metrics { margin-top: 12px; }
table.quarantined, table.changed { margin-top: 12px; }
table.quarantined td:first-child, table.changed td:first-child { width: 40%; }
.verdict { display: flex; align-items: baseline; gap: 14px; margin-bottom: 8px; }
.verdict-word { font-size: 22px; font-weight: 700; }
.verdict-approved .verdict-word { color: var(--green); }
.verdict-rejected .verdict-word { color: var(--red); }
.checks { margin-top: 10px; }
.check-passed td:first-child { color: var(--green); font-weight: 700; }
.check-failed td:first-child { color: var(--red); font-weight: 700; }
.check-failed { background: var(--red-bg); }
.lineage { display: flex; align-items: stretch; gap: 8px; flex-wrap: wrap; }
.lineage-node { flex: 1 1 200px; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 8px; padding: 10px 12px; min-width: 0; background: #fafbff; }
.lineage-absent { border-style: dashed; border-left-color: #cbd5e1; background: #fafafa; }
.lineage-title { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin-bottom: 4px; }
.lineage-value { font-weight: 600; margin-bottom: 4px; }
.lineage-detail { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.lineage-value code { word-break: normal; overflow-wrap: anywhere; }
.lineage-arrow { align-self: center; font-size: 22px; color: #94a3b8; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 24px; }
@media (max-width: 600px) {
  main { padding: 12px 10px 32px; }
  .card, .page-header { padding: 14px 14px; }
  .banner { padding: 12px 14px; }
  .tile { max-width: none; }
  .facts { grid-template-columns: 1fr; gap: 0; }
  .facts dd { margin-bottom: 6px; }
  .file-list ul { columns: 1; }
  .duration-head { width: auto; }
  /* A table wider than the screen scrolls inside itself; the page never scrolls sideways. */
  table { display: block; overflow-x: auto; }
  .lineage-arrow { transform: rotate(90deg); flex-basis: 100%; text-align: center; }
}
@media print { body { background: #fff; } .card, .tile, .page-header { box-shadow: none; border: 1px solid var(--line); } }
`;
