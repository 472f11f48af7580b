/**
 * The shell part of the overlay's stylesheet (see styles/index.ts): where the
 * panel sits (docked or floating), the theme variables for everything inside
 * the shadow root (dark and light, chosen by a class on .shell so that the
 * explicit override can beat the system's preference), the shell bar, the
 * resize handle, the badge and the toast.
 *
 * Moved here from base.ts: the .panel's position and size, its theme
 * variables, and the light theme (it was a prefers-color-scheme media query,
 * which an explicit override cannot beat). Light-only rules elsewhere:
 * `:where(.shell.light) .x { ... }` (no specificity added), or better, vars.
 */
export const SHELL_CSS = `
:host { bottom: 0 !important; left: 0 !important; pointer-events: none !important; }
.shell {
  --bg: #111318; --bg2: #1a1d24; --fg: #e3e6eb; --dim: #8b93a1; --line: #2a2f39;
  --accent: #6cb6ff; --ok: #4cc38a; --warn: #f0b541; --err: #ff6b6b;
  --btn: #232833; --btn-hover: #2c3340; --shadow: rgba(0,0,0,.35);
  color-scheme: dark;
  color: var(--fg);
  font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
.shell.light {
  --bg: #fbfbfc; --bg2: #f0f2f5; --fg: #1d2129; --dim: #667085; --line: #dde1e7;
  --accent: #1f6fd1; --ok: #1e8a57; --warn: #a15c00; --err: #c92a2a;
  --btn: #eef0f3; --btn-hover: #e2e6ec; --shadow: rgba(0,0,0,.12);
  color-scheme: light;
}
:where(.shell.light) button { background: var(--btn); }
:where(.shell.light) button:hover { background: var(--btn-hover); }
:where(.shell.light) .row { border-bottom-color: #eceef2; }
:where(.shell.light) .row .data { color: #586174; }
:where(.shell.light) .k-custom { color: #1d2129; } :where(.shell.light) .k-agent { color: #1f6fd1; }
:where(.shell.light) .k-state { color: #7c3aed; } :where(.shell.light) .k-player { color: #1e8a57; }
:where(.shell.light) .k-perf { color: #a15c00; } :where(.shell.light) .k-error { color: #c92a2a; }

.frame {
  position: fixed; display: flex; flex-direction: column; pointer-events: auto;
  min-width: 0; min-height: 0; outline: none;
}
.frame.dock-right { top: 0; right: 0; bottom: 0; border-left: 1px solid var(--line); box-shadow: -8px 0 24px var(--shadow); }
.frame.dock-left { top: 0; left: 0; bottom: 0; border-right: 1px solid var(--line); box-shadow: 8px 0 24px var(--shadow); }
.frame.dock-bottom { left: 0; right: 0; bottom: 0; border-top: 1px solid var(--line); box-shadow: 0 -8px 24px var(--shadow); }
.frame.dock-float { border: 1px solid var(--line); border-radius: 6px; overflow: hidden; box-shadow: 0 10px 32px var(--shadow); }
.frame > .panel { position: relative; flex: 1 1 auto; min-height: 0; min-width: 0; }
.frame.dock-float header, .frame.dock-float .shell-bar { cursor: move; }
.frame.dock-float header :is(button, input, select, [role="tab"]), .frame.dock-float .shell-bar :is(button, input) { cursor: pointer; }
.frame.dragging, .frame.dragging * { user-select: none; }

.shell-bar {
  flex: none; display: flex; align-items: center; gap: 4px; min-height: 26px; padding: 2px 6px;
  background: var(--bg2); border-bottom: 1px solid var(--line); color: var(--dim); font-size: 11px; user-select: none;
}
.shell-bar button { padding: 0 6px; height: 20px; line-height: 18px; font-size: 11px; }
.shell-bar .spacer { flex: 1; }
.shell-bar .grip { padding: 0 4px; letter-spacing: -1px; }
.docks { display: inline-flex; gap: 2px; }
.dock-btn { width: 24px; padding: 0; display: inline-flex; align-items: center; justify-content: center; }
.dock-btn[aria-pressed="true"] { border-color: var(--accent); color: var(--accent); }
.ico { display: block; position: relative; width: 13px; height: 10px; border: 1px solid currentColor; border-radius: 1px; }
.ico::after { content: ""; position: absolute; background: currentColor; }
.db-right .ico::after { top: 0; bottom: 0; right: 0; width: 4px; }
.db-left .ico::after { top: 0; bottom: 0; left: 0; width: 4px; }
.db-bottom .ico::after { left: 0; right: 0; bottom: 0; height: 3px; }
.db-float .ico { border-style: dotted; }
.db-float .ico::after { top: 2px; left: 3px; width: 6px; height: 4px; }
.opacity { display: inline-flex; align-items: center; gap: 3px; margin: 0 4px; }
.opacity input { width: 64px; height: 14px; margin: 0; accent-color: var(--accent); }
.shell-bar .warn-count { color: var(--warn); border-color: color-mix(in srgb, var(--warn) 50%, transparent); }

.resize { position: absolute; z-index: 2; outline: none; }
.frame.dock-right .resize { left: -3px; top: 0; bottom: 0; width: 7px; cursor: ew-resize; }
.frame.dock-left .resize { right: -3px; top: 0; bottom: 0; width: 7px; cursor: ew-resize; }
.frame.dock-bottom .resize { top: -3px; left: 0; right: 0; height: 7px; cursor: ns-resize; }
.frame.dock-float .resize {
  right: 0; bottom: 0; width: 14px; height: 14px; cursor: nwse-resize;
  background: linear-gradient(135deg, transparent 55%, var(--dim) 55% 62%, transparent 62% 75%, var(--dim) 75% 82%, transparent 82%);
}
.resize:hover, .resize:focus-visible, .frame.dragging .resize { background: color-mix(in srgb, var(--accent) 45%, transparent); }

.badge {
  position: fixed; pointer-events: auto; display: inline-flex; align-items: baseline; gap: 4px;
  padding: 5px 10px; border-radius: 14px; background: var(--bg2); color: var(--fg);
  border: 1px solid var(--line); box-shadow: 0 2px 10px var(--shadow); font-weight: 600;
}
.badge:hover { background: var(--btn-hover); }
.badge-fps { font-size: 14px; font-variant-numeric: tabular-nums; }
.badge-unit { color: var(--dim); font-size: 10px; font-weight: 400; }
.badge-warn { color: var(--dim); margin-left: 6px; font-variant-numeric: tabular-nums; }
.badge-warn.on { color: var(--warn); }
.badge.has-warnings { border-color: color-mix(in srgb, var(--warn) 60%, transparent); }

.toast-region { position: fixed; pointer-events: none; width: max-content; max-width: min(380px, calc(100vw - 24px)); }
.toast {
  pointer-events: auto; display: flex; align-items: center; gap: 8px; padding: 6px 6px 6px 10px;
  background: var(--bg2); color: var(--fg); border: 1px solid var(--line); border-left: 3px solid var(--warn);
  border-radius: 5px; box-shadow: 0 4px 16px var(--shadow); animation: ta-toast-in .18s ease-out;
}
.toast.sev-critical { border-left-color: var(--err); }
.toast-icon { color: var(--warn); }
.toast.sev-critical .toast-icon { color: var(--err); }
.toast-text { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.toast button { padding: 1px 7px; }
@keyframes ta-toast-in { from { opacity: 0; transform: translateY(6px); } }
@media (prefers-reduced-motion: reduce) { .toast { animation: none; } }
`;
