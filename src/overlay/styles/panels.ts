/**
 * The panels part of the overlay's stylesheet (see styles/index.ts): the
 * metrics, agents, anomalies and health tabs, and the few rules of uPlot's
 * own stylesheet (uplot/dist/uPlot.min.css) that its charts need, trimmed
 * (no legend: the panels write theirs as text). Rules are scoped under each
 * panel's root class so they do not reach the other tabs. The light theme
 * is the shell's class (:where(.shell.light), see shell.ts).
 */
export const PANELS_CSS = `
/* ---- uPlot (from uPlot.min.css 1.6, trimmed) ---- */
.uplot, .uplot *, .uplot *::before, .uplot *::after { box-sizing: border-box; }
.uplot { font: inherit; line-height: 1.5; width: min-content; }
.u-wrap { position: relative; user-select: none; }
.u-over, .u-under { position: absolute; }
.u-under { overflow: hidden; }
.uplot canvas { display: block; position: relative; width: 100%; height: 100%; }
.u-axis { position: absolute; }
.u-legend { display: none; }
.u-select { background: rgba(127,127,127,.12); position: absolute; pointer-events: none; }
.u-cursor-x, .u-cursor-y { position: absolute; left: 0; top: 0; pointer-events: none; will-change: transform; }
.u-hz .u-cursor-x, .u-vt .u-cursor-y { height: 100%; border-right: 1px dashed var(--dim); }
.u-hz .u-cursor-y, .u-vt .u-cursor-x { width: 100%; border-bottom: 1px dashed var(--dim); }
.u-cursor-pt { position: absolute; top: 0; left: 0; border-radius: 50%; border: 0 solid; pointer-events: none; will-change: transform; background-clip: padding-box !important; }
.u-axis.u-off, .u-select.u-off, .u-cursor-x.u-off, .u-cursor-y.u-off, .u-cursor-pt.u-off { display: none; }

/* ---- shared by the four panels ---- */
.metrics, .agents, .anomalies, .health {
  --c1: #6cb6ff; --c2: #c297ff; --c3: #4cc38a; --c4: #f0b541;
  flex: 1; min-height: 0; overflow-y: auto; overflow-x: hidden; padding: 6px 10px 10px;
}
.metrics .dim, .agents .dim, .anomalies .dim, .health .dim { color: var(--dim); }
.analytics-off { margin: 4px 0 8px; padding: 6px 8px; border: 1px solid color-mix(in srgb, var(--warn) 45%, transparent); border-radius: 4px; color: var(--warn); font-size: 11px; }
.metrics .problems, .agents .problems, .anomalies .problems, .health .problems { padding: 3px 0; border: 0; max-height: none; overflow: visible; }
.metrics .empty, .agents .empty, .anomalies .empty { padding: 12px 0; }
.health h2, .agents .fig-title, .metrics .fig-title { font-size: 10px; font-weight: 600; color: var(--dim); text-transform: uppercase; letter-spacing: .06em; margin: 0; }
.health h2 { margin: 12px 0 4px; }
.health .pin-bar { display: flex; gap: 10px; align-items: center; }
.health .pin-bar .bad { color: var(--warn); }
.health .pin-list { list-style: none; margin: 4px 0; padding: 0; }
.health .pin-list li { padding: 2px 0; }
.health .pin-reason { font-size: 9px; text-transform: uppercase; letter-spacing: .05em; padding: 0 5px; border-radius: 8px; border: 1px solid currentColor; color: var(--dim); }
.health .pin-reason.alert, .health .pin-reason.anomaly { color: var(--warn); }

/* ---- metrics ---- */
.metrics .windows { display: flex; align-items: center; gap: 4px; margin-bottom: 6px; font-size: 11px; }
.metrics .win { padding: 1px 8px; font-size: 11px; }
.metrics .win.on { border-color: var(--accent); color: var(--accent); }
.metrics .bucket { margin-left: auto; }
.metrics .figure { margin: 0 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.metrics .fig-head { display: flex; align-items: baseline; justify-content: space-between; gap: 8px; }
.metrics .fig-value { font-size: 14px; font-weight: 600; font-variant-numeric: tabular-nums; }
.metrics .legend { display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 10px; color: var(--dim); margin: 2px 0; }
.metrics .lg { display: inline-flex; align-items: center; gap: 4px; max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.metrics .sw { display: inline-block; width: 12px; height: 0; border-top: 2px solid var(--accent); }
.metrics .sw.dashed { border-top-style: dashed; }
.metrics .sw-accent { border-top-color: var(--accent); } .metrics .sw-ok { border-top-color: var(--ok); }
.metrics .sw-warn { border-top-color: var(--warn); } .metrics .sw-err { border-top-color: var(--err); }
.metrics .sw-dim { border-top-color: var(--dim); } .metrics .sw-c1 { border-top-color: var(--c1); }
.metrics .sw-c2 { border-top-color: var(--c2); } .metrics .sw-c3 { border-top-color: var(--c3); } .metrics .sw-c4 { border-top-color: var(--c4); }
.metrics .plot { width: 100%; min-height: 110px; overflow: hidden; }
.metrics .plot.no-canvas { min-height: 0; }
.metrics .fig-note { font-size: 10px; color: var(--dim); margin-top: 2px; }
.metrics .kinds { display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 10px; color: var(--dim); margin-top: 2px; }
.metrics .kind-rate { font-variant-numeric: tabular-nums; }

/* ---- agents ---- */
/* The method table scrolls on its own past a third of the window, so the flame chart under it stays in view. */
.agents .table-wrap { overflow: auto; max-height: max(120px, 36vh); }
.agents table { width: 100%; border-collapse: collapse; font-size: 10.5px; font-variant-numeric: tabular-nums; }
.agents th, .agents td { padding: 2px 3px; border-bottom: 1px solid var(--line); white-space: nowrap; }
.agents thead th { position: sticky; top: 0; background: var(--bg); font-weight: 500; }
.agents .num { text-align: right; }
.agents .name { text-align: left; max-width: 120px; overflow: hidden; text-overflow: ellipsis; }
.agents tbody th { font-weight: 400; }
.agents .agent { color: var(--dim); }
.agents .sort { background: none; border: 0; padding: 1px 0; color: var(--dim); font-size: 10px; text-transform: uppercase; letter-spacing: .04em; }
.agents .sort:hover { color: var(--fg); background: none; }
.agents th[aria-sort="ascending"] .sort, .agents th[aria-sort="descending"] .sort { color: var(--accent); }
.agents .arrow { display: inline-block; min-width: 1em; font-size: 8px; }
.agents .bad { color: var(--err); }
.agents .slow { color: var(--warn); }
.agents .waterfall { margin-top: 12px; }
.agents .wf-head { display: flex; align-items: center; gap: 8px; }
.agents .wf-head .dim { flex: 1; font-size: 10px; }
.agents .freeze { padding: 1px 7px; font-size: 10px; }
.agents .freeze[aria-pressed="true"] { border-color: var(--warn); color: var(--warn); }
.agents .wf-detail { min-height: 2.9em; margin: 4px 0; padding: 3px 6px; background: var(--bg2); border-radius: 3px; font-size: 10px; color: var(--fg); overflow-wrap: anywhere; }
.agents .fc { position: relative; border: 1px solid var(--line); border-radius: 3px; }
.agents .fc-canvas { display: block; width: 100%; height: var(--fc-h, 32px); cursor: grab; touch-action: none; }
.agents .fc-range { padding: 1px 4px; border-top: 1px solid var(--line); color: var(--dim); font-size: 10px; font-variant-numeric: tabular-nums; }
.agents .fc-canvas:active { cursor: grabbing; }
.agents .fc-canvas:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.agents .fc-tip {
  position: absolute; left: var(--tx, 0); top: var(--ty, 0); z-index: 1; max-width: 260px; pointer-events: none;
  padding: 4px 6px; border: 1px solid var(--line); border-radius: 3px; background: var(--bg2); color: var(--fg);
  box-shadow: 0 4px 12px var(--shadow); font-size: 10px; white-space: pre-line; overflow-wrap: anywhere;
}
.agents .fc-tip.flip { transform: translateX(-100%); }
.agents .fc-tip[hidden] { display: none; }

/* ---- anomalies ---- */
.anomalies .count { font-size: 10px; margin: 8px 0 4px; }
.anomalies .card { margin: 0 0 8px; padding: 6px 8px; border: 1px solid var(--line); border-left: 3px solid var(--warn); border-radius: 4px; background: var(--bg2); }
.anomalies .card.critical { border-left-color: var(--err); }
.anomalies .card.resolved { border-left-color: var(--ok); opacity: .85; }
.anomalies .card-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 8px; }
.anomalies .what { font-weight: 600; }
.anomalies .what .agent { font-weight: 400; color: var(--dim); }
.anomalies .when { margin-left: auto; color: var(--dim); font-size: 10px; font-variant-numeric: tabular-nums; }
.anomalies .kind-tag, .anomalies .state-tag { font-size: 10px; color: var(--dim); }
.anomalies .state-tag.firing { color: var(--err); } .anomalies .state-tag.pending { color: var(--warn); } .anomalies .state-tag.resolved { color: var(--ok); }
.anomalies .card-value { margin-top: 3px; font-variant-numeric: tabular-nums; }
.anomalies .card-reason { margin-top: 2px; color: var(--dim); font-size: 11px; }
.anomalies .sev, .health .sev { font-size: 9px; text-transform: uppercase; letter-spacing: .05em; padding: 0 5px; border-radius: 8px; border: 1px solid currentColor; color: var(--warn); }
.anomalies .sev.critical, .health .sev.critical { color: var(--err); }
.anomalies .link { margin-top: 4px; padding: 0; border: 0; background: none; color: var(--accent); text-decoration: underline; font-size: 11px; }
.anomalies .link:hover { background: none; }

/* ---- health ---- */
.health .status { display: inline-block; margin: 2px 0 4px; padding: 1px 10px; border-radius: 10px; font-size: 14px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; border: 1px solid currentColor; color: var(--dim); }
.health .status.ok { color: var(--ok); } .health .status.degraded { color: var(--warn); } .health .status.critical { color: var(--err); }
.health .reasons { margin: 2px 0 4px; padding-left: 16px; }
.health .reasons li.degraded::marker { color: var(--warn); } .health .reasons li.critical::marker { color: var(--err); }
.health .reasons .what { color: var(--dim); }
.health .mode { font-weight: 600; } .health .mode.ok { color: var(--ok); } .health .mode.warn { color: var(--warn); }
.health .counters { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1px; margin: 6px 0; background: var(--line); border: 1px solid var(--line); }
.health .fact { background: var(--bg); padding: 3px 6px; }
.health .fact dt { font-size: 9px; color: var(--dim); text-transform: uppercase; letter-spacing: .04em; }
.health .fact dd { margin: 0; font-size: 13px; font-variant-numeric: tabular-nums; }
.health .fact.bad dd { color: var(--err); }
.health .quota { display: flex; align-items: center; gap: 8px; font-size: 11px; }
.health .quota.bad { color: var(--err); }
.health .quota meter { flex: 1; height: 8px; }
.health .note { padding: 3px 0; border: 0; }
.health table { width: 100%; border-collapse: collapse; font-size: 11px; }
.health th, .health td { text-align: left; padding: 2px 4px; border-bottom: 1px solid var(--line); }
.health thead th { color: var(--dim); font-weight: 500; font-size: 10px; text-transform: uppercase; }
.health tbody th { font-weight: 500; white-space: nowrap; }
.health td { vertical-align: top; }
.health .state-tag.firing { color: var(--err); } .health .state-tag.pending { color: var(--warn); } .health .state-tag.resolved { color: var(--ok); } .health .state-tag.inactive { color: var(--dim); }

:where(.shell.light) .metrics, :where(.shell.light) .agents, :where(.shell.light) .anomalies, :where(.shell.light) .health { --c1: #1f6fd1; --c2: #7c3aed; --c3: #1e8a57; --c4: #a15c00; }
:where(.shell.light) .u-select { background: rgba(0,0,0,.07); }
/* ---- compare ---- */
.compare { --c1: #6cb6ff; --c2: #c297ff; flex: 1; min-height: 0; overflow-y: auto; overflow-x: hidden; padding: 6px 10px 10px; display: flex; flex-direction: column; gap: 8px; }
.compare .dim { color: var(--dim); }
.compare .fig-title { font-size: 10px; font-weight: 600; color: var(--dim); text-transform: uppercase; letter-spacing: .06em; }
.compare .sides { display: flex; flex-direction: column; gap: 4px; }
.compare .side label { cursor: pointer; }
.compare .problems { padding: 3px 0; border: 0; max-height: none; overflow: visible; color: var(--err); }
.compare .table-wrap { overflow: auto; max-height: max(120px, 36vh); }
.compare table { width: 100%; border-collapse: collapse; font-size: 10.5px; font-variant-numeric: tabular-nums; }
.compare th, .compare td { padding: 2px 5px; border-bottom: 1px solid var(--line); white-space: nowrap; }
.compare thead th { position: sticky; top: 0; background: var(--bg); font-weight: 500; }
.compare tbody th { font-weight: 400; text-align: left; }
.compare .name { max-width: 130px; overflow: hidden; text-overflow: ellipsis; }
.compare caption { text-align: left; font-size: 10px; }
.compare .num { text-align: right; }
.compare .agent { color: var(--dim); }
.compare tr.changed > * { border-bottom: 0; }
.compare tr.what td { color: var(--warn); white-space: normal; padding: 0 3px 3px 12px; border-bottom: 1px solid var(--line); }
.compare .run { align-self: flex-start; }
.compare .types code { margin-right: 6px; }
.compare .legend-a { color: var(--c1); } .compare .legend-b { color: var(--c2); }
:where(.shell.light) .compare { --c1: #1f6fd1; --c2: #7c3aed; }
`;
