/**
 * Every example in the README runs, in real Chromium, against what the build
 * ships (the global setup has just run `npm run build`).
 *
 * The test reads README.md itself and takes every fenced ```js, ```ts and
 * ```html block (and their aliases). Each block must be recognised by exactly
 * one runner below, which says how to run it honestly:
 *
 * - an ESM example runs as a module in a page that loads dist/esm/index.js
 *   unbundled, through an import map (`trace-agent` → dist/esm/index.js, and
 *   its external dependencies, preact, @preact/signals, idb and uplot, → their
 *   files in node_modules), TypeScript stripped first;
 * - a `TraceAgent.…` example runs as a module in a page that loads
 *   dist/trace-agent.js with a plain script tag (that is where the global
 *   comes from);
 * - the HTML example is itself the page, with `trace-agent.js` served as
 *   dist/trace-agent.js and `main.js` as a tiny game.
 *
 * The game objects the examples name (`game`, `store`, `rawState`,
 * `StoryGraph`) are small stand-ins defined in the page before the example
 * (STAND_INS below). Each block runs in a fresh browser context (its own
 * IndexedDB); it passes when it throws nothing, the page reports no error, and
 * it has its effect (hooked methods make spans, tracked state makes changes,
 * ...). A block that no runner recognises fails with its first line, so the
 * README cannot grow an example that is not run here.
 */
import { createReadStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { transformWithOxc, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../src/core/entry';
import type { TraceAgent } from '../../src/create-agent';
import { collectErrors, useBrowser, waitForAgent } from './browser';
import { importMapTag } from './import-map';
import { demoEntries, demoHeader } from '../tools/demo-trace.mjs';

const REPO = resolve(import.meta.dirname, '../..');

// ---------------------------------------------------------------------------
// The README's code blocks

interface Block {
  /** Index among the runnable blocks. */
  index: number;
  /** 1-based line of the opening fence in README.md. */
  line: number;
  lang: string;
  code: string;
  /** The first non-empty line, to name the block. */
  first: string;
}

/** Languages whose blocks must run; other fences (```sh, ```json, plain) are prose. */
const RUNNABLE = /^(js|javascript|mjs|jsx|ts|typescript|mts|tsx|html|htm)$/i;

/** CommonMark fenced code blocks: ``` or ~~~ (3+), up to 3 spaces of indent, closed by the same fence char at least as long. */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split(/\r?\n/);
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const lang = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      if (close.test(lines[j]!)) break;
      body.push(lines[j]!);
    }
    if (RUNNABLE.test(lang)) {
      const code = body.join('\n');
      out.push({ index: out.length, line: i + 1, lang: lang.toLowerCase(), code, first: body.find((l) => l.trim())?.trim() ?? '(empty)' });
    }
    i = j;
  }
  return out;
}

const BLOCKS = fencedBlocks(readFileSync(join(REPO, 'README.md'), 'utf8'));
const label = (b: Block) => `README.md:${b.line} \`\`\`${b.lang} "${b.first}"`;

// ---------------------------------------------------------------------------
// Stand-ins for the game the examples talk about

/**
 * Defined in every page before an example runs (a classic script, so they are
 * globals as the examples assume):
 * - `game.npcs`: agents in an array, named by `name`; `decide`/`think` are
 *   what the hook example includes, `debugDraw` what it leaves out.
 * - `StoryGraph`: a class with a prototype method and a static one;
 *   `game.story` is one, its current node in `currentId` (read by trackStory).
 * - `game.state`: a plain state object with `fx.particles` (ignored by the
 *   trackState example).
 * - `store`: the smallest Redux-like store (subscribe + getState + dispatch).
 * - `rawState`: a plain object to be tracked through the handle's proxy.
 */
const STAND_INS = `
class NPC {
  constructor(name) { this.name = name; this.fear = 0; }
  decide(world) { return this.fear > (world?.danger ?? 0) ? 'flee' : 'wander'; }
  think() { return 'hmm'; }
  debugDraw() { return null; }
}
class StoryGraph {
  constructor() { this.currentId = 'start'; }
  choose(id) { this.currentId = id; return id; }
  static load() { return new StoryGraph(); }
}
window.StoryGraph = StoryGraph;
window.game = {
  npcs: [new NPC('guard'), new NPC('smith')],
  story: new StoryGraph(),
  state: { hp: 10, gold: 0, fx: { particles: [] } },
};
window.store = (() => {
  let state = { level: 1 };
  const listeners = new Set();
  return {
    getState: () => state,
    subscribe(f) { listeners.add(f); return () => listeners.delete(f); },
    dispatch(action) { if (action.type === 'levelUp') state = { ...state, level: state.level + 1 }; listeners.forEach((f) => f()); },
  };
})();
window.rawState = { score: 0 };
`;

/**
 * main.js of the HTML example: a game module that builds `window.game` with
 * the three agents the example's data-hook names (story, state manager, NPCs).
 */
const GAME_MAIN_JS = `
const story = { currentId: 'start', choose(id) { this.currentId = id; return id; } };
const state = { values: { hp: 10 }, set(key, value) { this.values[key] = value; return value; } };
const npcs = [{ name: 'guard', decide() { return 'patrol'; } }, { name: 'smith', decide() { return 'forge'; } }];
window.game = { story, state, npcs };
`;

/** Page globals, as the checks below read them. */
interface G {
  game: {
    npcs: { decide(world?: unknown): string; think(): string; debugDraw(): null }[];
    story: { currentId: string; choose(id: string): string };
    state: { hp: number; fx: { particles: unknown[] }; set(key: string, value: unknown): unknown };
  };
  StoryGraph: { new (): { choose(id: string): string }; load(): unknown };
  store: { dispatch(action: { type: string }): void };
  TraceAgent: TraceAgent;
  /** Agents made by the ESM page's `createTraceAgent` (for the blocks that use it without importing it). */
  madeAgents: TraceAgent[];
  readmeReady?: boolean;
  /** `import(url)` from the page (Vitest would rewrite an `import()` written in this file's page functions). */
  readmeImport(url: string): Promise<unknown>;
}

// ---------------------------------------------------------------------------
// The pages

/** The engines the README's recipes import by bare name (the import map resolves them, and the package's adapters, to their files). */
const ENGINES = ['xstate', '@reduxjs/toolkit', 'zustand/vanilla', 'phaser', 'yuka'];

const ESM_PAGE = () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>README example (ESM)</title>
${importMapTag(ENGINES)}
<script src="/readme/stand-ins.js"></script>
<script>window.readmeImport = (url) => import(url);</script>
<script type="module">
  import { createTraceAgent } from 'trace-agent';
  // The README's later ESM examples call createTraceAgent without importing it
  // (they continue the "ESM API" section): give it to them, remembering each
  // agent made so that the test can look at it.
  window.madeAgents = [];
  window.createTraceAgent = (...args) => { const agent = createTraceAgent(...args); window.madeAgents.push(agent); return agent; };
  window.readmeReady = true;
</script>
</head><body><canvas id="game" width="320" height="160"></canvas></body></html>`;

const SCRIPT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>README example (script tag)</title>
<script src="/dist/trace-agent.js"></script>
<script src="/readme/stand-ins.js"></script>
<script>window.readmeImport = (url) => import(url); window.readmeReady = !!window.TraceAgent;</script>
</head><body><canvas id="game" width="320" height="160"></canvas></body></html>`;

const HTML_PAGE = (block: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>README example (HTML)</title>
${block}
</head><body><canvas id="game" width="320" height="160"></canvas></body></html>`;

/** Blocks as served: /readme/block-<index>.js (TypeScript stripped, plus the runner's `export { ... }`). */
const served = new Map<string, { type: string; body: string } | { file: string }>();

// The two trace files the compare example fetches: demo-like runs, the second with pathfinder.findPath made 4× slower from halfway.
const traceFile = (entries: TraceEntry[]) => JSON.stringify({ ...demoHeader(entries.length), entries });
served.set('/traces/good.json', { type: 'application/json', body: traceFile([...demoEntries(8_000, { seed: 1 })]) });
served.set('/traces/bad.json', { type: 'application/json', body: traceFile([...demoEntries(8_000, { seed: 2, fault: { method: 'pathfinder.findPath', slow: 4, from: 4_000 } })]) });

function handle(req: IncomingMessage, res: ServerResponse): boolean {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const hit = served.get(path);
  if (!hit) return false;
  res.setHeader('Cache-Control', 'no-store');
  if ('file' in hit) {
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    createReadStream(hit.file).pipe(res);
  } else {
    res.setHeader('Content-Type', hit.type);
    res.end(hit.body);
  }
  return true;
}

// ---------------------------------------------------------------------------
// The runners: how each README block runs, and what it must have done

/**
 * `vite`: the block is a vite.config.js. It is written into a folder of its
 * own under test-results/ (inside this package, so that `trace-agent/vite`
 * resolves to the built dist/esm/vite.js by the package's own exports), with
 * an index.html and the game's main.js; the dev server runs it, and the page
 * is the dev server's.
 */
type PageKind = 'esm' | 'script' | 'html' | 'vite';

interface Runner {
  name: string;
  /** Recognises its block (and no other). */
  match: (b: Block) => boolean;
  page: PageKind;
  /** Names the block declares, exported so that the check can reach them. */
  exports?: string[];
  /** The block's effect, checked in the page after it ran; `mod` is the URL of the block's module. */
  check: (page: Page, mod: string) => Promise<void>;
}

type Span = Pick<TraceEntry, 'type' | 'method' | 'status' | 'kind' | 'args' | 'source' | 'data' | 'flags' | 'spanId' | 'parentId'>;

/** Flushes the agent (the ESM block's own, one made by createTraceAgent, or window.TraceAgent) and reads entries back from its store. */
async function entries(page: Page, where: { mod?: string; exportName?: string; made?: boolean }, query: object): Promise<Span[]> {
  return page.evaluate(
    async ({ where, query }) => {
      const g = globalThis as unknown as G;
      const agent = where.mod ? ((await g.readmeImport(where.mod)) as Record<string, TraceAgent>)[where.exportName!]! : where.made ? g.madeAgents[0]! : g.TraceAgent;
      await agent.flush();
      return (await agent.query({ limit: 5000, ...query })).entries.map((e) => ({ type: e.type, method: e.method, status: e.status, kind: e.kind, args: e.args, source: e.source, data: e.data, flags: e.flags, spanId: e.spanId, parentId: e.parentId }));
    },
    { where, query },
  );
}

const RUNNERS: Runner[] = [
  {
    name: 'HTML: the script tag with data-hook, before the game module',
    match: (b) => b.lang.startsWith('htm') && /<script src="trace-agent\.js" data-hook=/.test(b.code),
    page: 'html',
    async check(page) {
      await waitForAgent(page);
      await page.evaluate(() => {
        const g = globalThis as unknown as G;
        g.game.npcs[0]!.decide();
        g.game.npcs[1]!.decide();
        g.game.story.choose('cave');
        g.game.state.set('hp', 9);
      });
      const spans = await entries(page, {}, { kinds: ['agent'], order: 'oldest' });
      // The three data-hook paths were hooked (the game module ran after the script tag, before DOMContentLoaded).
      expect(spans.map((s) => [s.type, s.status])).toEqual([
        ['game.npcs[guard].decide', 'ok'],
        ['game.npcs[smith].decide', 'ok'],
        ['game.story.choose', 'ok'],
        ['game.state.set', 'ok'],
      ]);
    },
  },
  {
    name: 'ESM API: import, createTraceAgent, hook an array and a class, logEvent, flush, exportTrace',
    match: (b) => /from 'trace-agent'/.test(b.code) && /trace\.hook\(StoryGraph\)/.test(b.code),
    page: 'esm',
    exports: ['trace', 'file'],
    async check(page, mod) {
      const file = await page.evaluate(async (mod) => {
        const { file } = (await (globalThis as unknown as G).readmeImport(mod)) as { file: { format: string; entries: TraceEntry[] } };
        return { format: file.format, quest: file.entries.filter((e) => e.type === 'quest:start').map((e) => ({ kind: e.kind, data: e.data })) };
      }, mod);
      expect(file).toEqual({ format: 'trace-agent', quest: [{ kind: 'player', data: { quest: 'find_key' } }] });
      await page.evaluate(() => {
        const g = globalThis as unknown as G;
        g.game.npcs[0]!.decide({ danger: 1 });
        new g.StoryGraph().choose('cave');
        g.StoryGraph.load();
      });
      const spans = await entries(page, { mod, exportName: 'trace' }, { kinds: ['agent'], order: 'oldest' });
      expect(spans.map((s) => s.method)).toEqual(['decide', 'choose', 'load']);
      expect(spans[0]).toMatchObject({ type: 'npcs[guard].decide', args: [{ danger: 1 }], status: 'ok' });
    },
  },
  {
    name: 'Instrumentation: hook options (include, captureArgs, sample, limits)',
    match: (b) => /TraceAgent\.hook\(game\.npcs, 'npcs', \{/.test(b.code),
    page: 'script',
    async check(page) {
      await page.evaluate(() => {
        const g = globalThis as unknown as G;
        // Seeded draws (Park-Miller) for the sampling: the share is checked, never luck.
        const random = Math.random;
        let seed = 12_345;
        Math.random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
        try {
          for (let i = 0; i < 200; i++) g.game.npcs[i % 2]!.decide();
          for (let i = 0; i < 50; i++) g.game.npcs[0]!.debugDraw();
        } finally {
          Math.random = random;
        }
      });
      const spans = await entries(page, {}, { kinds: ['agent'] });
      // Only decide/think are traced, and about a tenth of the 200 calls (sample: 0.1).
      expect(new Set(spans.map((s) => s.method))).toEqual(new Set(['decide']));
      expect(spans.length).toBeGreaterThan(0);
      expect(spans.length).toBeLessThan(100);
    },
  },
  {
    name: 'State: trackState of a store, of a path (with ignore) and through the proxy',
    match: (b) => /TraceAgent\.trackState\(store/.test(b.code),
    page: 'script',
    exports: ['state'],
    async check(page, mod) {
      await page.evaluate(async (mod) => {
        const g = globalThis as unknown as G;
        const { state } = (await (globalThis as unknown as G).readmeImport(mod)) as { state: { score: number } };
        g.store.dispatch({ type: 'levelUp' });
        g.game.state.hp = 7;
        g.game.state.fx.particles.push({ x: 1 }); // ignored
        state.score = 3;
      }, mod);
      const changes = (await entries(page, {}, { types: ['state:change'], order: 'oldest' })).flatMap((e) =>
        (e.data as { changes: { path: (string | number)[]; next?: unknown }[] }).changes.map((c) => ({ source: e.source, path: c.path.join('.'), next: c.next })),
      );
      expect(changes).toEqual([
        { source: 'store', path: 'level', next: 2 },
        { source: 'state', path: 'hp', next: 7 }, // named after the path's last key; fx.particles ignored
        { source: 'state', path: 'score', next: 3 }, // the default name
      ]);
    },
  },
  {
    name: 'Story: trackStory by path',
    match: (b) => /TraceAgent\.trackStory\('game\.story'\)/.test(b.code),
    page: 'script',
    async check(page) {
      await page.evaluate(() => (globalThis as unknown as G).game.story.choose('cave'));
      const moves = await entries(page, {}, { types: ['story:transition'] });
      expect(moves.map((m) => m.data)).toMatchObject([{ from: 'start', to: 'cave', choice: 'cave', via: 'choose' }]);
    },
  },
  {
    name: 'Story: the ink recipe (the real inkjs, a story compiled for the tests)',
    match: (b) => /methods: \['ChooseChoiceIndex'\]/.test(b.code),
    page: 'script',
    async check(page) {
      // The reader comes after the recipe, as in a page: inkjs's browser build, the compiled story, `var story`.
      await page.addScriptTag({ url: '/node_modules/inkjs/dist/ink.js' });
      await page.addScriptTag({ url: '/test/fixtures/ink-story/story.js' });
      await page.addScriptTag({ content: 'var story = new inkjs.Story(storyContent); while (story.canContinue) story.Continue();' });
      const lines = await page.evaluate(() => {
        type Ink = { canContinue: boolean; Continue(): string; ChooseChoiceIndex(i: number): void };
        const story = (globalThis as unknown as { story: Ink }).story;
        const told: string[] = [];
        for (const i of [1, 0]) {
          story.ChooseChoiceIndex(i); // climb to the hut, take the oil
          while (story.canContinue) told.push(story.Continue().trim());
        }
        return told;
      });
      expect(lines).toContain('You take the can. It is heavy and full.');
      const moves = await entries(page, {}, { types: ['story:transition'] });
      expect(moves.reverse().map((m) => ({ source: m.source, ...(m.data as object) }))).toMatchObject([
        { source: 'ink', from: '0', to: expect.stringMatching(/^shore\.0\.c-1/), choice: 1, via: 'ChooseChoiceIndex' }, // tracked from its creation (its start, "0"); to: the chosen option's path
        { source: 'ink', to: expect.stringMatching(/^hut\./), choice: 0, via: 'ChooseChoiceIndex' },
      ]);
    },
  },
  {
    name: 'Redaction: a limits.redact rule',
    match: (b) => /createTraceAgent\(\{ limits: \{ redact:/.test(b.code),
    page: 'esm',
    async check(page) {
      expect(await page.evaluate(() => (globalThis as unknown as G).madeAgents.length)).toBe(1);
      await page.evaluate(() => (globalThis as unknown as G).madeAgents[0]!.logEvent('profile', { playerName: 'Ann', level: 3 }));
      const [profile] = await entries(page, { made: true }, { types: ['profile'] });
      expect(profile!.data).toEqual({ playerName: { $t: 'redacted' }, level: 3 });
      expect(profile!.flags! & 2).toBe(2);
    },
  },
  {
    name: 'Analytics: thresholds, alert rules, stats, patterns, anomalies, a game alert, health',
    match: (b) => /trace\.generateStats\(\)/.test(b.code),
    page: 'esm',
    exports: ['trace', 'stats', 'patterns', 'anomalies', 'health'],
    async check(page, mod) {
      const seen = await page.evaluate(async (mod) => {
        const m = (await (globalThis as unknown as G).readmeImport(mod)) as { trace: TraceAgent; stats: object; patterns: object; anomalies: unknown; health: { status: string; reasons: unknown[] } };
        const alerts = await m.trace.alerts();
        return {
          statsKeys: Object.keys(m.stats),
          patterns: typeof m.patterns,
          anomalies: Array.isArray(m.anomalies),
          health: { status: m.health.status, reasons: Array.isArray(m.health.reasons) },
          rules: alerts.rules.map((r) => r.name),
          game: alerts.statuses.filter((s) => s.origin === 'game').map((s) => ({ name: s.name, state: s.state, severity: s.severity })),
        };
      }, mod);
      expect(seen.statsKeys).toEqual(expect.arrayContaining(['methods', 'frames', 'player'])); // as the example's comment says
      expect(seen).toMatchObject({ patterns: 'object', anomalies: true, health: { status: expect.stringMatching(/^(ok|degraded|critical)$/), reasons: true } });
      expect(seen.rules).toContain('slow-llm');
      expect(seen.game).toEqual([{ name: 'boss-stuck', state: 'firing', severity: 'warning' }]);
    },
  },
  {
    name: 'Analytics: compareTraces of two trace files, the slowed method first',
    match: (b) => /compareTraces\(await read\(/.test(b.code),
    page: 'esm',
    exports: ['c', 'worst'],
    async check(page, mod) {
      const seen = await page.evaluate(async (mod) => {
        const m = (await (globalThis as unknown as G).readmeImport(mod)) as { c: { ratioError: number; methods: { name: string; score: number }[] }; worst: { name: string; findings: string[] } };
        return { worst: m.worst.name, findings: m.worst.findings.length, others: m.c.methods.slice(1).map((x) => x.score), ratioError: m.c.ratioError };
      }, mod);
      expect(seen).toEqual({ worst: 'pathfinder.findPath', findings: 2, others: [0, 0, 0], ratioError: 0.020202 });
    },
  },
  {
    name: 'Engines: XState v5 through traceXState as createActor\'s inspect',
    match: (b) => /from 'trace-agent\/adapters\/xstate'/.test(b.code),
    page: 'esm',
    exports: ['trace', 'guard'],
    async check(page, mod) {
      await page.evaluate(async (mod) => {
        const { guard } = (await (globalThis as unknown as G).readmeImport(mod)) as { guard: { send(e: { type: string }): void } };
        guard.send({ type: 'LOST' });
      }, mod);
      const seen = await entries(page, { mod, exportName: 'trace' }, { types: ['story:*', 'xstate:*'], order: 'oldest' });
      expect(seen.map((e) => [e.type, e.source, e.data])).toEqual([
        ['story:enter', 'guard', expect.objectContaining({ node: 'patrol', status: 'active' })],
        ['xstate:event', 'outside', { event: { type: 'NOISE' }, from: null, to: 'guard' }],
        ['story:transition', 'guard', expect.objectContaining({ from: 'patrol', to: 'investigate', event: 'NOISE' })],
        ['xstate:event', 'outside', { event: { type: 'LOST' }, from: null, to: 'guard' }],
        ['story:transition', 'guard', expect.objectContaining({ from: 'investigate', to: 'patrol', event: 'LOST' })],
      ]);
    },
  },
  {
    name: 'Engines: Redux Toolkit with traceRedux prepended and the store tracked',
    match: (b) => /from 'trace-agent\/adapters\/redux'/.test(b.code),
    page: 'esm',
    exports: ['trace'],
    async check(page, mod) {
      const seen = await entries(page, { mod, exportName: 'trace' }, { kinds: ['agent', 'state'], order: 'oldest' });
      const span = seen.find((e) => e.type === 'redux.player/spend');
      expect(span).toMatchObject({ kind: 'agent', status: 'ok', args: [{ type: 'player/spend', payload: 3 }] });
      const change = seen.find((e) => e.type === 'state:change');
      expect(change).toMatchObject({ source: 'store', parentId: span!.spanId, data: { changes: [{ path: ['player', 'gold'], prev: 10, next: 7 }] } });
    },
  },
  {
    name: 'Engines: Zustand, trackState and hook of the state\'s actions',
    match: (b) => /from 'zustand\/vanilla'/.test(b.code),
    page: 'esm',
    exports: ['trace'],
    async check(page, mod) {
      const seen = await entries(page, { mod, exportName: 'trace' }, { kinds: ['agent', 'state'], order: 'oldest' });
      const span = seen.find((e) => e.type === 'farm.sell');
      expect(span).toMatchObject({ kind: 'agent', status: 'ok', args: [2] });
      const change = seen.find((e) => e.type === 'state:change');
      expect(change).toMatchObject({ source: 'farm', parentId: span!.spanId, data: { changes: [{ path: ['coins'], prev: 0, next: 8 }] } });
    },
  },
  {
    name: 'Engines: Phaser with tracePhaser, Phaser\'s loop as the frame source',
    match: (b) => /from 'trace-agent\/adapters\/phaser'/.test(b.code),
    page: 'esm',
    exports: ['trace'],
    async check(page, mod) {
      // The game boots on its own (textures decode, then the scene starts): polled, with the loop's first second of frames.
      const seen = () => entries(page, { mod, exportName: 'trace' }, { types: ['Level.*', 'story:*', 'frame:stats'], order: 'oldest' });
      await expect.poll(async () => (await seen()).some((e) => e.type === 'frame:stats'), { timeout: 30_000 }).toBe(true);
      const got = await seen();
      expect(got.filter((e) => e.kind === 'agent').map((e) => [e.type, e.status])).toEqual([['Level.create', 'ok']]);
      expect(got.filter((e) => e.type === 'story:enter').map((e) => [e.source, e.data])).toEqual([['phaser', { node: 'Level' }]]);
      expect(got.filter((e) => e.type === 'frame:stats').every((e) => e.source === 'phaser')).toBe(true); // the agent's own frame stats are off
    },
  },
  {
    name: 'Engines: Yuka, a StateMachine tracked as a story',
    match: (b) => /from 'yuka'/.test(b.code),
    page: 'esm',
    exports: ['trace'],
    async check(page, mod) {
      const moves = await entries(page, { mod, exportName: 'trace' }, { types: ['story:*'], order: 'oldest' });
      expect(moves.map((m) => [m.type, m.source, m.data])).toEqual([
        ['story:enter', 'guard', { node: 'PATROL' }],
        ['story:transition', 'guard', expect.objectContaining({ from: 'PATROL', to: 'CHASE', choice: 'CHASE', via: 'changeTo' })],
      ]);
    },
  },
  {
    name: 'Engines: the Vite plugin in a vite.config.js, under vite dev',
    match: (b) => /from 'trace-agent\/vite'/.test(b.code),
    page: 'vite',
    async check(page) {
      await page.waitForFunction(() => !!(globalThis as unknown as Partial<G>).TraceAgent, undefined, { timeout: 60_000 });
      await page.evaluate(() => {
        const g = globalThis as unknown as G;
        g.game.npcs[0]!.decide();
        g.game.story.choose('cave');
      });
      const spans = await entries(page, {}, { kinds: ['agent'], order: 'oldest' });
      expect(spans.map((s) => s.type)).toEqual(['game.npcs[guard].decide', 'game.story.choose']);
      expect(await page.locator('trace-agent-overlay .panel').count()).toBe(0); // open: false
    },
  },
];

// ---------------------------------------------------------------------------

beforeAll(() => {
  served.set('/readme/stand-ins.js', { type: 'text/javascript; charset=utf-8', body: STAND_INS });
  served.set('/readme/esm.html', { type: 'text/html; charset=utf-8', body: ESM_PAGE() });
  served.set('/readme/script.html', { type: 'text/html; charset=utf-8', body: SCRIPT_PAGE });
});
const env = useBrowser({ dirs: [REPO], serve: { handle } });
/** Dev servers the `vite` runner started. */
const viteServers: ViteDevServer[] = [];
afterAll(async () => {
  for (const dev of viteServers) await dev.close();
});

const runnerOf = (b: Block) => RUNNERS.filter((r) => r.match(b));

describe('every example in the README runs', () => {
  it('finds the README\'s examples, and every runner here still has its block', () => {
    expect(BLOCKS.length).toBeGreaterThan(0);
    const stale = RUNNERS.filter((r) => BLOCKS.filter((b) => r.match(b)).length !== 1).map((r) => `${r.name}: matches ${BLOCKS.filter((b) => r.match(b)).length} README blocks`);
    expect(stale, 'each runner must match exactly one README block (was its example changed or removed?)').toEqual([]);
  });

  for (const block of BLOCKS) {
    it(label(block), async () => {
      const runners = runnerOf(block);
      if (runners.length !== 1) {
        throw new Error(
          runners.length === 0
            ? `${label(block)}: no runner in test/browser/readme-examples.test.ts knows how to run this example. Add one (its page, stand-ins and the effect to check).`
            : `${label(block)}: matched by several runners (${runners.map((r) => r.name).join('; ')})`,
        );
      }
      const runner = runners[0]!;
      const context = await env.browser.newContext(); // its own IndexedDB and storage
      try {
        const page = await context.newPage();
        const errors = collectErrors(page);
        const mod = `/readme/block-${block.index}.js`;
        if (runner.page === 'vite') {
          const dir = join(REPO, 'test-results', `readme-vite-${block.index}`);
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'vite.config.js'), block.code);
          writeFileSync(join(dir, 'main.js'), GAME_MAIN_JS);
          writeFileSync(join(dir, 'index.html'), '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>README example (Vite)</title></head>\n<body><script type="module" src="/main.js"></script></body></html>\n');
          const { createServer } = await import('vite');
          const dev = await createServer({ root: dir, configFile: join(dir, 'vite.config.js'), logLevel: 'error', clearScreen: false, server: { host: '127.0.0.1', port: 0, strictPort: false } });
          viteServers.push(dev);
          await dev.listen();
          // The dev server's 404 for an icon the page has not got is no error of the example's (collectErrors, called first, has it already).
          page.on('console', (m) => {
            if (m.type() !== 'error' || new URL(m.location().url || 'about:blank').pathname !== '/favicon.ico') return;
            const i = errors.indexOf(`console: ${m.text()}`);
            if (i >= 0) errors.splice(i, 1);
          });
          await page.goto(dev.resolvedUrls!.local[0]!);
        } else if (runner.page === 'html') {
          const dir = `/readme/html-${block.index}`;
          served.set(`${dir}/index.html`, { type: 'text/html; charset=utf-8', body: HTML_PAGE(block.code) });
          // The drop-in script and the two files it loads from beside its URL, as the README says to copy them.
          for (const f of ['trace-agent.js', 'trace-agent.worker.js', 'trace-agent.overlay.js']) served.set(`${dir}/${f}`, { file: join(REPO, `dist/${f}`) });
          served.set(`${dir}/main.js`, { type: 'text/javascript; charset=utf-8', body: GAME_MAIN_JS });
          await page.goto(`${env.server.url}${dir}/index.html`);
        } else {
          const ts = /^(ts|typescript|mts|tsx)$/.test(block.lang);
          const js = ts ? (await transformWithOxc(block.code, `readme-block-${block.index}.${block.lang === 'tsx' ? 'tsx' : 'ts'}`, { lang: block.lang === 'tsx' ? 'tsx' : 'ts' })).code : block.code;
          const body = runner.exports ? `${js}\nexport { ${runner.exports.join(', ')} };\n` : js;
          served.set(mod, { type: 'text/javascript; charset=utf-8', body });
          await page.goto(`${env.server.url}/readme/${runner.page}.html`);
          await page.waitForFunction(() => (globalThis as unknown as G).readmeReady === true, undefined, { timeout: 10_000 });
          // Run the block: a module, so that its imports and top-level await work; what it throws comes back here.
          const thrown = await page.evaluate(async (mod) => {
            try {
              await (globalThis as unknown as G).readmeImport(mod);
              return null;
            } catch (e) {
              return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
            }
          }, mod);
          expect(thrown, `${label(block)} threw`).toBeNull();
        }
        await runner.check(page, mod);
        expect(errors, `${label(block)}: errors in the page`).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});
