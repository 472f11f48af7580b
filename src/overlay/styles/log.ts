/**
 * The event log tab's part of the overlay's stylesheet (see styles/index.ts).
 * Rows have a fixed height (ROW_H in panels/log-model.ts): keep them in step.
 * Colours are the shell's theme variables only, so the light theme needs no rule here.
 */
export const LOG_CSS = `
.log-tab { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.log-banner { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 4px 10px; background: color-mix(in srgb, var(--accent) 14%, var(--bg)); border-bottom: 1px solid var(--line); font-size: 11px; }
.log-banner b { font-weight: 600; overflow-wrap: anywhere; }
.log-filters { display: flex; flex-direction: column; gap: 4px; padding: 5px 10px; border-bottom: 1px solid var(--line); }
.lf-kinds { display: flex; flex-wrap: wrap; gap: 3px; }
.lf-chip { font-size: 10px; padding: 0 6px; border-radius: 9px; background: transparent; text-transform: uppercase; letter-spacing: .03em; opacity: .6; }
.lf-chip[aria-pressed="true"] { opacity: 1; background: var(--bg2); border-color: currentColor; }
.lf-fields { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.lf-fields input, .lf-fields select {
  font: inherit; font-size: 11px; color: var(--fg); background: var(--bg); border: 1px solid var(--line);
  border-radius: 4px; padding: 2px 5px; min-width: 0;
}
.lf-fields input { flex: 1 1 70px; }
.lf-fields input:focus-visible, .lf-fields select:focus-visible { outline: 2px solid var(--accent); outline-offset: 0; }
.lf-level { display: flex; align-items: center; gap: 4px; color: var(--dim); font-size: 11px; }
.lf-clear { font-size: 11px; padding: 1px 7px; }
.log-status { display: flex; align-items: center; gap: 6px; padding: 3px 10px; color: var(--dim); font-size: 11px; border-bottom: 1px solid var(--line); min-height: 26px; }
.log-status button { font-size: 11px; padding: 1px 7px; }
.log-spacer-x { flex: 1; }
.log-count { font-variant-numeric: tabular-nums; }
.log-problem { color: var(--err); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.log-focus { display: inline-flex; align-items: center; gap: 4px; color: var(--accent); border-color: color-mix(in srgb, var(--accent) 50%, transparent); }
.log-focus-clear { border: 0; background: transparent; padding: 0 2px; line-height: 1; color: inherit; }
.log-newest.has-newer { color: var(--accent); border-color: var(--accent); }
.log-list { flex: 1 1 50%; min-height: 60px; overflow-y: auto; overflow-x: hidden; position: relative; contain: strict; }
.log-list:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
.log-extent { position: relative; width: 100%; }
.log-rows { position: absolute; top: 0; left: 0; right: 0; will-change: transform; }
.log-row {
  display: grid; grid-template-columns: 58px 58px 44px 1fr; gap: 6px; padding: 0 10px;
  height: 20px; line-height: 20px; overflow: hidden; white-space: nowrap; cursor: pointer;
  border-bottom: 1px solid color-mix(in srgb, var(--line) 60%, transparent);
}
.log-row:hover { background: var(--bg2); }
.log-row.selected { background: color-mix(in srgb, var(--accent) 18%, var(--bg)); }
.log-row.active { box-shadow: inset 2px 0 0 var(--accent); }
.log-row .seq, .log-row .ts { color: var(--dim); text-align: right; font-variant-numeric: tabular-nums; overflow: hidden; }
.log-row .kind { font-size: 10px; text-transform: uppercase; }
.log-row .main { overflow: hidden; text-overflow: ellipsis; }
.log-row .type { color: var(--fg); }
.log-row .src { color: var(--dim); margin-left: 6px; }
.log-row .data { color: var(--dim); margin-left: 6px; }
.log-row .dur { color: var(--accent); margin-left: 6px; }
.log-row.warn .type { color: var(--warn); }
.log-row.error .type, .log-row.critical .type { color: var(--err); }
.log-row.loading, .log-row.gap { cursor: default; color: var(--dim); }
.log-row.gap .main { font-style: italic; }
.log-list > .empty { position: absolute; inset: 0 0 auto 0; }
.log-detail { flex: 1 1 50%; min-height: 0; overflow: auto; border-top: 2px solid var(--line); padding: 6px 10px; }
.ld-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin-bottom: 4px; }
.ld-head .ld-type { font-weight: 600; flex: 1; overflow-wrap: anywhere; }
.ld-kind { font-size: 10px; text-transform: uppercase; }
.ld-seq { color: var(--dim); font-variant-numeric: tabular-nums; }
.ld-head button { font-size: 11px; padding: 1px 7px; }
.ld-copy-status { font-size: 11px; }
.ld-copy-status.ok { color: var(--ok); }
.ld-copy-status.bad { color: var(--warn); }
.ld-copy-text { flex-basis: 100%; height: 80px; font: inherit; font-size: 11px; color: var(--fg); background: var(--bg); border: 1px solid var(--line); }
.ld-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 0 12px; margin: 0 0 6px; }
.ld-fields div { display: flex; gap: 6px; min-width: 0; }
.ld-fields dt { color: var(--dim); min-width: 56px; }
.ld-fields dd { margin: 0; overflow-wrap: anywhere; }
.ld-block { border-top: 1px solid var(--line); padding: 4px 0; }
.ld-label { color: var(--dim); }
.ld-dim { color: var(--dim); }
.ld-problem { color: var(--err); }
.ld-inexact { color: var(--warn); }
.ld-span ul { list-style: none; margin: 2px 0; padding: 0 0 0 12px; }
.ld-link { border: 0; background: transparent; padding: 0 2px; text-align: left; color: var(--fg); }
.ld-link:hover { background: var(--bg2); text-decoration: underline; }
.ld-dur { color: var(--accent); }
.lv-warn { color: var(--warn); }
.lv-error, .lv-critical { color: var(--err); }
.ld-state-toggle { padding: 0 4px; }
.ld-state-one { margin-top: 4px; }
.json-tree { overflow-wrap: anywhere; }
.j-node { padding-left: 14px; position: relative; }
.json-tree > .j-node { padding-left: 14px; }
.j-leaf { padding-left: 14px; }
.j-toggle { position: absolute; left: 0; top: 0; border: 0; background: transparent; padding: 0; width: 14px; line-height: inherit; color: var(--dim); }
.ld-state-toggle.j-toggle { position: static; width: auto; }
.j-key { color: var(--accent); }
.j-str { color: var(--ok); }
.j-num, .j-bool { color: var(--warn); }
.j-null, .j-sum { color: var(--dim); }
.j-tag { color: var(--dim); font-style: italic; }
.j-more { font-size: 10px; padding: 0 6px; margin: 2px 0; }
`;
