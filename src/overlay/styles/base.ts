/**
 * The overlay's one stylesheet, adopted by its shadow root (constructable
 * stylesheets: no <style> element, no inline styles, so a strict CSP allows it).
 * `!important` on :host because the page's rules on the host element would
 * otherwise win over ours.
 */
export const OVERLAY_CSS = `
:host {
  all: initial !important;
  position: fixed !important;
  z-index: 2147483646 !important;
  top: 0 !important;
  right: 0 !important;
  display: block !important;
  contain: layout style;
}
:host([hidden]) { display: none !important; }
* { box-sizing: border-box; }
.panel {
  /* Where it sits, its theme variables (--bg, --fg, ...) and the light theme: styles/shell.ts. */
  display: flex; flex-direction: column;
  background: color-mix(in srgb, var(--bg) 95%, transparent);
  color: var(--fg);
  font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
header { display: flex; align-items: center; gap: 8px; padding: 8px 10px; border-bottom: 1px solid var(--line); background: var(--bg2); }
header h1 { font-size: 13px; font-weight: 600; margin: 0; flex: 1; letter-spacing: .02em; }
.chip { font-size: 10px; padding: 1px 6px; border-radius: 9px; border: 1px solid var(--line); color: var(--dim); }
.chip.ok { color: var(--ok); border-color: color-mix(in srgb, var(--ok) 50%, transparent); }
.chip.warn { color: var(--warn); border-color: color-mix(in srgb, var(--warn) 50%, transparent); }
button {
  font: inherit; color: var(--fg); background: #232833; border: 1px solid var(--line);
  border-radius: 4px; padding: 3px 9px; cursor: pointer;
}
button:hover { background: #2c3340; }
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.close { padding: 1px 7px; font-size: 14px; line-height: 1.2; }
header { flex-wrap: wrap; row-gap: 6px; }
.toolbar { display: flex; gap: 4px; flex-wrap: wrap; }
.toolbar button { padding: 2px 7px; font-size: 11px; }
.toolbar button[aria-pressed="true"] { border-color: var(--warn); color: var(--warn); }
button:disabled { opacity: .5; cursor: default; }
.progress { flex-basis: 100%; display: flex; align-items: center; gap: 8px; color: var(--dim); font-size: 11px; }
.progress progress { flex: 1; height: 6px; accent-color: var(--accent); }
.toolbar-problem { flex-basis: 100%; color: var(--err); font-size: 11px; }
.panel.dropping { outline: 2px dashed var(--accent); outline-offset: -4px; }
.drop-hint { position: absolute; inset: 0; z-index: 5; display: flex; align-items: center; justify-content: center; padding: 24px; text-align: center; font-size: 14px; background: color-mix(in srgb, var(--bg) 85%, transparent); pointer-events: none; }
.tabs { display: flex; gap: 2px; padding: 4px 8px 0; border-bottom: 1px solid var(--line); background: var(--bg2); }
.tab { border: 1px solid transparent; border-bottom: none; border-radius: 4px 4px 0 0; background: transparent; color: var(--dim); padding: 3px 10px; text-transform: capitalize; }
.tab.on { background: var(--bg); color: var(--fg); border-color: var(--line); margin-bottom: -1px; }
.tab-body { flex: 1; min-height: 0; display: flex; flex-direction: column; overflow: hidden; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 1px; background: var(--line); border-bottom: 1px solid var(--line); }
.tile { background: var(--bg); padding: 6px 8px; }
.tile .v { font-size: 16px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .k { font-size: 10px; color: var(--dim); text-transform: uppercase; letter-spacing: .05em; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 12px; padding: 5px 10px; color: var(--dim); border-bottom: 1px solid var(--line); font-size: 11px; }
.facts b { color: var(--fg); font-weight: 500; }
.facts .bad { color: var(--err); }
/* Over the tabs the list is capped and scrolls (three late hooks took a third of the panel); the Health tab lists them in full. */
.problems { padding: 4px 10px; color: var(--warn); border-bottom: 1px solid var(--line); font-size: 11px; max-height: 5.2em; overflow-y: auto; }
.note { padding: 4px 10px; color: var(--dim); border-bottom: 1px solid var(--line); font-size: 11px; }
.log-head { display: flex; align-items: center; justify-content: space-between; padding: 5px 10px; color: var(--dim); font-size: 11px; }
.log { flex: 1; overflow-y: auto; overflow-x: hidden; border-top: 1px solid var(--line); }
.row { display: grid; grid-template-columns: 54px 58px 44px 1fr; gap: 6px; padding: 2px 10px; border-bottom: 1px solid #1b1f27; white-space: nowrap; }
.row:hover { background: var(--bg2); }
.row .seq, .row .ts { color: var(--dim); text-align: right; font-variant-numeric: tabular-nums; }
.row .kind { font-size: 10px; text-transform: uppercase; align-self: center; }
.row .main { overflow: hidden; text-overflow: ellipsis; }
.row .type { color: var(--fg); }
.row .src { color: var(--dim); margin-left: 6px; }
.row .data { color: #9aa4b2; margin-left: 6px; }
.row .dur { color: var(--accent); margin-left: 6px; }
.row.warn .type { color: var(--warn); }
.row.error .type, .row.critical .type { color: var(--err); }
.k-agent { color: #6cb6ff; } .k-state { color: #c297ff; } .k-player { color: #4cc38a; }
.k-system { color: #8b93a1; } .k-perf { color: #f0b541; } .k-error { color: #ff6b6b; } .k-custom { color: #e3e6eb; }
.empty { padding: 16px 10px; color: var(--dim); }
footer { padding: 4px 10px; border-top: 1px solid var(--line); color: var(--dim); font-size: 10px; display: flex; justify-content: space-between; }
`;
