/**
 * Phaser 4 (tested with 4.2.1; the objects and events it reads are Phaser 3's too), from the outside: `tracePhaser(trace, game)` right
 * after `new Phaser.Game(config)`, before the game boots its scenes.
 *
 * - Spans: each scene's `init`, `preload`, `create` (and a `shutdown` method
 *   of its own, when it has one), named `<scene class or key>.<method>`,
 *   hooked on the scene classes (or scene objects) of the game's config, so
 *   the first scene's are traced too, with the data they are given.
 * - `update`: 60 calls a second are not 60 spans. Each running scene's step
 *   (its PRE_UPDATE to POST_UPDATE events: the scene's update and what its
 *   plugins and game objects do in it) is summed, and once a second a
 *   `phaser:update` entry (kind `perf`) holds the calls, total and longest ms.
 * - Scenes: each lifecycle event (start, create, pause, resume, sleep, wake,
 *   shutdown, destroy) is a `phaser:scene` entry; the scene on top (the
 *   last one started or woken that still runs) is a story: when it changes,
 *   a `story:transition` (from, to, `via`: start, wake, switch, sleep,
 *   shutdown; `dwellMs`), source `phaser`, once per game step, so a switch
 *   (sleep one, start the other) is one transition.
 * - Frames: Phaser's own loop delta (`game.loop.rawDelta`, every step) as
 *   `frame:stats` each second and `frame:hitch` for a step over `hitchMs`, the
 *   entries the agent's analytics read: create the agent with
 *   `frames: { stats: false }` so its requestAnimationFrame count is not
 *   counted as well.
 * - Input: what each scene's input plugin receives (pointer down/up, a game
 *   object pressed, keys down/up) as `player` entries, source: the scene.
 *
 * Written against Phaser's public objects and event names only (no import
 * of phaser). Listeners never throw into the game.
 */
import type { TraceAgent } from '../create-agent';
import { DEFAULT_HITCH_MS, FRAME_HITCH, FRAME_STATS, type FrameHitchData, type FrameStatsData } from '../core/event-types';

/** The parts of a `Phaser.Events.EventEmitter` this uses. */
interface Emitter {
  on(event: string, fn: (...args: any[]) => void, context?: unknown): unknown;
  off(event: string, fn: (...args: any[]) => void, context?: unknown): unknown;
}

/** The parts of a `Phaser.Scene` this reads. */
export interface PhaserSceneLike {
  sys: { settings: { key: string }; events: Emitter };
  input?: (Emitter & { keyboard?: Emitter | null }) | null;
}

/** The parts of a `Phaser.Game` this reads. */
export interface PhaserGameLike {
  events: Emitter;
  loop: { rawDelta?: number; delta?: number; frame?: number };
  scene: { scenes: PhaserSceneLike[] };
  config?: { sceneConfig?: unknown };
  isBooted?: boolean;
}

export interface TracePhaserOptions {
  /** Scene methods made spans (default `init`, `preload`, `create`, `shutdown`). */
  methods?: string[];
  /** Phaser's loop as the frame source (`frame:stats`, `frame:hitch`; default true). */
  frames?: boolean;
  /**
   * A step longer than this (ms) is a `frame:hitch` (default 50, the agent's own
   * default). Give it the agent's `frames.hitchMs` when that is set, so the
   * hitches written here and those the analytics count from `frame:stats` agree.
   */
  hitchMs?: number;
  /** Input the scenes receive as `player` entries (default true). */
  input?: boolean;
  /** How often the update aggregates are written (ms of game time, default 1000). */
  updateEveryMs?: number;
}

export interface PhaserHandle {
  /** Removes every listener and restores the scenes' methods. */
  stop(): void;
}

export type PhaserAgent = Pick<TraceAgent, 'logEvent' | 'hook' | 'unhook'>;

const LIFECYCLE = ['start', 'create', 'pause', 'resume', 'sleep', 'wake', 'shutdown', 'destroy'] as const;
const now = typeof performance !== 'undefined' ? performance.now.bind(performance) : Date.now;

interface SceneRecord {
  key: string;
  off: (() => void)[];
  stepStart: number;
  calls: number;
  ms: number;
  maxMs: number;
}

export function tracePhaser(trace: PhaserAgent, game: PhaserGameLike, options: TracePhaserOptions = {}): PhaserHandle {
  const methods = options.methods ?? ['init', 'preload', 'create', 'shutdown'];
  const hitchMs = options.hitchMs ?? DEFAULT_HITCH_MS;
  const updateEveryMs = options.updateEveryMs ?? 1000;
  const log = (type: string, data: Record<string, unknown>, kind: 'state' | 'perf' | 'player', source: string, level: 'info' | 'warn' = 'info') => {
    try {
      trace.logEvent(type, data, undefined, { kind, source, level });
    } catch {
      // strict mode's TraceError: never into the game
    }
  };
  const guard =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      try {
        fn(...args);
      } catch {
        // a listener of ours that failed must not stop Phaser's emit loop
      }
    };

  // 1. Spans: the scene classes / objects of the config, hooked before the game creates its scenes.
  const hooked: object[] = [];
  const hookScene = (holder: object, name: string) => {
    try {
      trace.hook(holder, name, { include: methods });
      hooked.push(holder);
    } catch {
      // not hookable (frozen): untraced, the game goes on
    }
  };
  const configScenes = game.config?.sceneConfig;
  for (const s of Array.isArray(configScenes) ? configScenes : configScenes ? [configScenes] : []) {
    if (typeof s === 'function' && s.prototype) hookScene(s.prototype as object, (s as { name?: string }).name || 'Scene');
    else if (s && typeof s === 'object') hookScene(s as object, String((s as { key?: unknown }).key ?? 'Scene'));
  }

  // 2. Scene events, update aggregates, input.
  const records = new Map<PhaserSceneLike, SceneRecord>();
  /** Scenes that run, the one on top last. */
  const stack: string[] = [];
  let top: string | null = null;
  let topSince = now();
  let enteredOnce = false;
  /** The scene events since the last look: what `via` a change of the top scene says. */
  const happened: string[] = [];

  const attach = (scene: PhaserSceneLike) => {
    const key = scene.sys.settings.key;
    const rec: SceneRecord = { key, off: [], stepStart: -1, calls: 0, ms: 0, maxMs: 0 };
    records.set(scene, rec);
    const on = (emitter: Emitter | null | undefined, event: string, fn: (...args: any[]) => void) => {
      if (!emitter) return;
      const g = guard(fn);
      emitter.on(event, g);
      rec.off.push(() => emitter.off(event, g));
    };
    const events = scene.sys.events;
    for (const event of LIFECYCLE) {
      on(events, event, () => {
        log('phaser:scene', { scene: key, event }, 'state', key);
        const at = stack.indexOf(key);
        if (event === 'start' || event === 'wake') {
          if (at >= 0) stack.splice(at, 1);
          stack.push(key);
          happened.push(event);
        } else if (event === 'sleep' || event === 'shutdown' || event === 'destroy') {
          if (at >= 0) stack.splice(at, 1);
          happened.push(event);
        }
        if (event === 'destroy') detach(scene);
      });
    }
    on(events, 'preupdate', () => {
      rec.stepStart = now();
    });
    on(events, 'postupdate', () => {
      if (rec.stepStart < 0) return;
      const ms = now() - rec.stepStart;
      rec.stepStart = -1;
      rec.calls++;
      rec.ms += ms;
      if (ms > rec.maxMs) rec.maxMs = ms;
    });
    // Input: attached again at each start, since Phaser's input and keyboard plugins drop every
    // listener (ours too) when their scene shuts down, as a restart does; detached first, so never twice.
    const inputOff: (() => void)[] = [];
    rec.off.push(() => {
      for (const off of inputOff.splice(0)) off();
    });
    const onInput = (emitter: Emitter | null | undefined, event: string, fn: (...args: any[]) => void) => {
      if (!emitter) return;
      const g = guard(fn);
      emitter.on(event, g);
      inputOff.push(() => emitter.off(event, g));
    };
    const attachInput = () => {
      for (const off of inputOff.splice(0)) off();
      const input = scene.input;
      // Only while the scene runs: Phaser's input plugin of a scene created but not started yet also emits.
      const running = () => stack.includes(key);
      const pointer = (type: string) => (p: { x?: number; y?: number; button?: number }) => {
        if (running()) log(`phaser:${type}`, { x: round(p?.x), y: round(p?.y), button: p?.button }, 'player', key);
      };
      onInput(input, 'pointerdown', pointer('pointerdown'));
      onInput(input, 'pointerup', pointer('pointerup'));
      onInput(input, 'gameobjectdown', (_p: unknown, object: { name?: string; type?: string }) => {
        if (running()) log('phaser:gameobjectdown', { object: object?.name || object?.type || null }, 'player', key);
      });
      const keyEvent = (type: string) => (e: { key?: string; code?: string; repeat?: boolean }) => {
        if (running()) log(`phaser:${type}`, e?.repeat ? { key: e.key, code: e.code, repeat: true } : { key: e?.key, code: e?.code }, 'player', key);
      };
      onInput(input?.keyboard, 'keydown', keyEvent('keydown'));
      onInput(input?.keyboard, 'keyup', keyEvent('keyup'));
    };
    if (options.input ?? true) {
      attachInput();
      on(events, 'start', attachInput);
    }
  };
  const detach = (scene: PhaserSceneLike) => {
    const rec = records.get(scene);
    if (!rec) return;
    flushUpdate(rec);
    for (const off of rec.off) off();
    records.delete(scene);
  };
  const flushUpdate = (rec: SceneRecord) => {
    if (rec.calls === 0) return;
    log('phaser:update', { scene: rec.key, calls: rec.calls, ms: round(rec.ms), maxMs: round(rec.maxMs) }, 'perf', rec.key);
    rec.calls = 0;
    rec.ms = 0;
    rec.maxMs = 0;
  };

  /** Scenes created since the last look (the config's at boot, `scene.add` later), and the scene on top. */
  const look = () => {
    for (const scene of game.scene.scenes) {
      if (records.has(scene) || !scene?.sys?.events) continue;
      attach(scene);
      // Started before we could listen (in the same boot that created it: START 2 to PAUSED 6, not INIT 1, created and waiting): it is on the stack.
      const status = (scene.sys.settings as { status?: number }).status;
      if (typeof status === 'number' && status >= 2 && status <= 6 && !stack.includes(scene.sys.settings.key)) {
        stack.push(scene.sys.settings.key);
        happened.push('start');
      }
    }
    const next = stack[stack.length - 1] ?? null;
    if (next !== top) {
      const t = now();
      const via = happened.includes('sleep') && happened.some((h) => h === 'start' || h === 'wake') ? 'switch' : happened[happened.length - 1] ?? 'start';
      if (top === null && happened.length > 0 && stack.length > 0 && !enteredOnce) {
        enteredOnce = true;
        log('story:enter', { node: next }, 'state', 'phaser');
      } else {
        log('story:transition', { from: top, to: next, via, dwellMs: round(t - topSince) }, 'state', 'phaser');
      }
      top = next;
      topSince = t;
    }
    happened.length = 0;
  };

  // 3. Phaser's loop: each step's delta, and the update aggregates once a second of game time.
  let times: number[] = [];
  /** Phaser's frame number (`game.loop.frame`) of the first step in `times`. */
  let loopFrame = 0;
  let sum = 0;
  let sinceUpdate = 0;
  const onStep = guard((_time: number, delta: number) => {
    look();
    const dt = typeof game.loop.rawDelta === 'number' ? game.loop.rawDelta : delta;
    if (typeof dt !== 'number' || !(dt >= 0)) return;
    if (options.frames ?? true) {
      if (times.length === 0) loopFrame = game.loop.frame ?? 0;
      times.push(Math.round(dt * 100) / 100);
      sum += dt;
      if (dt > hitchMs) log(FRAME_HITCH, { frame: game.loop.frame ?? 0, dur: Math.round(dt * 100) / 100 } satisfies FrameHitchData, 'perf', 'phaser', 'warn');
      if (sum >= 1000) flushFrames();
    }
    sinceUpdate += dt;
    if (sinceUpdate >= updateEveryMs) {
      sinceUpdate = 0;
      for (const rec of records.values()) flushUpdate(rec);
    }
  });
  const flushFrames = () => {
    if (times.length > 0) log(FRAME_STATS, { frames: times.length, times, from: loopFrame } satisfies FrameStatsData, 'perf', 'phaser');
    times = [];
    sum = 0;
  };
  game.events.on('poststep', onStep);
  // Booted already (tracePhaser called late): look at the scenes now; else when the game is ready.
  const onReady = guard(() => look());
  if (game.scene.scenes.length > 0) onReady();
  else game.events.on('ready', onReady);

  return {
    stop() {
      try {
        game.events.off('poststep', onStep);
        game.events.off('ready', onReady);
        flushFrames();
        for (const scene of [...records.keys()]) detach(scene);
        for (const holder of hooked) trace.unhook(holder);
      } catch {
        // stopping never throws into the game either
      }
    },
  };
}

function round(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1000) / 1000 : undefined;
}
