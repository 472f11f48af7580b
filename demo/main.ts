/**
 * Entry point of the demo page. Creates the game at module execution, so that
 * `window.game` and its agents exist before DOMContentLoaded (when a tracer
 * loaded by a classic script hooks them by path), and starts it on `load`.
 */
import './style.css';
import { Autopilot } from './game/autopilot';
import { Director } from './game/director';
import { faultSpec, isFaultId } from './game/faults';
import { Game } from './game/game';
import { LlmNpc, Npc } from './game/npc';
import { Player } from './game/player';
import { seedFromUrl } from './game/rng';
import { StateManager } from './game/state-manager';
import { StoryGraph } from './game/story-graph';
import { traceAvailable } from './game/trace';

const globals = window as unknown as Record<string, unknown>;

// The classes, so a script can hook `Game.prototype` or `Npc.prototype` by path.
Object.assign(globals, { Game, Npc, LlmNpc, StoryGraph, StateManager, Director, Player, Autopilot });

const canvas = document.getElementById('game-canvas');
if (!(canvas instanceof HTMLCanvasElement)) throw new Error('demo: #game-canvas is missing');

const params = new URLSearchParams(location.search);
const game = new Game(canvas, { seed: seedFromUrl(location.search) });
globals['game'] = game;

if (params.get('autopilot') === '0') game.player.setAutopilot(false);
const speed = Number(params.get('speed'));
if (Number.isFinite(speed) && speed > 0) game.setSpeed(speed);

wireControls(game);
openTraceFromUrl(params.get('trace'));

if (document.readyState === 'complete') game.start();
else window.addEventListener('load', () => game.start(), { once: true });

// ---------------------------------------------------------------------------

/** `?trace=<url>`: the trace at that URL (ours, gzipped or not, or a Chrome trace we made) opens in the overlay. */
function openTraceFromUrl(url: string | null): void {
  if (!url) return;
  const agent = window.TraceAgent;
  if (typeof agent?.openTrace !== 'function') {
    console.warn('[demo] ?trace= needs the trace agent (/trace-agent.js)');
    return;
  }
  // A file that cannot be opened is said in the overlay's toolbar; the game goes on either way.
  agent.openTrace(url).catch((err: unknown) => console.warn('[demo] could not open the trace:', err));
}

function wireControls(game: Game): void {
  const faultButtons = [...document.querySelectorAll<HTMLButtonElement>('button[data-fault]')];
  for (const button of faultButtons) {
    const id = button.dataset['fault'] ?? '';
    if (isFaultId(id)) {
      const spec = faultSpec(id);
      button.title = `${spec.summary} (${spec.method})`;
    }
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', () => {
      game.injectFault(id); // false, and nothing happens, for an unknown id
      refresh();
    });
  }

  const autopilot = byId('autopilot', HTMLInputElement);
  autopilot?.addEventListener('change', () => {
    game.player.setAutopilot(autopilot.checked);
    refresh();
  });
  if (autopilot !== null) autopilot.checked = game.player.autopilotEnabled;

  const pause = byId('pause', HTMLButtonElement);
  pause?.addEventListener('click', () => {
    if (game.running) game.stop();
    else game.start();
    refresh();
  });

  const speedSelect = byId('speed', HTMLSelectElement);
  if (speedSelect !== null) {
    const current = String(game.speed);
    if ([...speedSelect.options].some((o) => o.value === current)) speedSelect.value = current;
    speedSelect.addEventListener('change', () => game.setSpeed(Number(speedSelect.value)));
  }

  byId('new-run', HTMLButtonElement)?.addEventListener('click', () => game.newRun());

  const seedLink = byId('stat-seed', HTMLAnchorElement);
  if (seedLink !== null) {
    seedLink.textContent = String(game.seed);
    const next = new URLSearchParams(location.search);
    next.set('seed', String(game.seed));
    seedLink.href = `?${next.toString()}`;
    seedLink.title = 'Reload with this seed';
  }

  const fps = byId('stat-fps', HTMLElement);
  const tick = byId('stat-tick', HTMLElement);
  const errors = byId('stat-errors', HTMLElement);
  const trace = byId('stat-trace', HTMLElement);
  const status = byId('autopilot-status', HTMLElement);

  function refresh(): void {
    const now = performance.now();
    game.faults.poll(now);
    for (const s of game.faults.status(now)) {
      const button = faultButtons.find((b) => b.dataset['fault'] === s.id);
      if (button === undefined) continue;
      button.classList.toggle('active', s.active);
      button.setAttribute('aria-pressed', String(s.active));
      button.style.setProperty('--progress', String(s.progress));
      const time = button.querySelector<HTMLElement>('.fault-time');
      if (time !== null) time.textContent = s.active ? `${(s.remainingMs / 1000).toFixed(1)}s` : (time.dataset['idle'] ?? '');
    }
    if (fps !== null) fps.textContent = game.running ? String(Math.round(game.fps)) : 'paused';
    if (tick !== null) tick.textContent = String(game.tickCount);
    if (errors !== null) errors.textContent = String(game.agentErrors);
    if (trace !== null) {
      const on = traceAvailable();
      trace.textContent = on ? 'hooked' : 'not loaded';
      trace.classList.toggle('ok', on);
    }
    if (pause !== null) pause.textContent = game.running ? 'Pause' : 'Resume';
    if (status !== null) {
      const p = game.player;
      const left = Math.max(0, Math.ceil((p.manualUntil - now) / 1000));
      status.textContent = !p.autopilotEnabled ? 'you have control' : p.autopiloting ? p.autopilot.status : `back in ${left} s`;
    }
  }

  refresh();
  window.setInterval(refresh, 100);
}

function byId<T extends HTMLElement>(id: string, type: abstract new (...args: never[]) => T): T | null {
  const el = document.getElementById(id);
  return el instanceof type ? el : null;
}
