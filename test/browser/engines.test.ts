/**
 * Engines and libraries games are built with (issue 17), each a real npm
 * package (a devDependency), in real Chromium: a game written for the test
 * the way their users write them, traced through trace-agent's adapters
 * (dist/esm/adapters) and the ESM build, loaded unbundled through an import
 * map as a bundler would resolve them.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../src/core/entry';
import { collectErrors, launch } from './browser';
import { importMapTag } from './import-map';
import { serve, type StaticServer } from './server';

const REPO = resolve(import.meta.dirname, '../..');
/** The engines the fixtures import by bare name. */
const ENGINES = ['xstate', '@reduxjs/toolkit', 'zustand/vanilla', 'phaser', 'yuka'];

/** A fixture's index.html with its empty `<script type="importmap">` filled in. */
function fillImportMap(req: IncomingMessage, res: ServerResponse): boolean {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (!/^\/test\/fixtures\/[\w-]+\/(index\.html)?$/.test(path)) return false;
  const html = readFileSync(join(REPO, path.endsWith('/') ? path + 'index.html' : path), 'utf8');
  if (!html.includes('<script type="importmap"></script>')) return false;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html.replace('<script type="importmap"></script>', importMapTag(ENGINES)));
  return true;
}

let browser: Browser;
let server: StaticServer;
beforeAll(async () => {
  server = await serve([REPO], { handle: fillImportMap });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(path: string, ready: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(server.url + path);
  await page.waitForFunction((name) => !!(window as unknown as Record<string, unknown>)[name], ready, { timeout: 30_000 });
  return { page, errors };
}

type Slim = Pick<TraceEntry, 'type' | 'kind' | 'source' | 'data' | 'spanId' | 'parentId' | 'method' | 'args' | 'status'>;

/** Everything the page's agent (`window.<name>`) logged, oldest first, read back from its store. */
async function stored(page: Page, name = 'trace'): Promise<Slim[]> {
  return page.evaluate(async (name) => {
    type Q = { flush(): Promise<void>; query(q: object): Promise<{ entries: TraceEntry[] }> };
    const t = (window as unknown as Record<string, Q>)[name]!;
    await t.flush();
    const { entries } = await t.query({ order: 'oldest', limit: 5000 });
    return entries.map((e) => ({ type: e.type, kind: e.kind, source: e.source, data: e.data, spanId: e.spanId, parentId: e.parentId, method: e.method, args: e.args, status: e.status }));
  }, name);
}

describe('XState v5: an NPC guard and its radio (a child actor), through createActor(machine, { inspect })', () => {
  it('each actor\'s transitions are story entries (from, to, event) with the actor\'s id as source, and the events between actors are agent entries', async () => {
    const { page, errors } = await open('/test/fixtures/xstate-npc/', 'guard');
    for (const id of ['noise', 'spot', 'lost']) await page.locator('#' + id).click();
    await expect.poll(() => page.locator('#guard-state').textContent()).toBe('{"patrol":"walking"}');
    const e = await stored(page);
    const story = e.filter((x) => x.type === 'story:enter' || x.type === 'story:transition');
    expect(story.map((x) => ({ type: x.type, kind: x.kind, source: x.source, from: (x.data as { from?: unknown }).from, to: (x.data as { to?: unknown; node?: unknown }).to ?? (x.data as { node?: unknown }).node, event: (x.data as { event?: unknown }).event }))).toEqual([
      { type: 'story:enter', kind: 'state', source: 'guard', from: undefined, to: 'patrol.walking', event: undefined },
      { type: 'story:transition', kind: 'state', source: 'guard', from: 'patrol.walking', to: 'investigate', event: 'NOISE' },
      { type: 'story:enter', kind: 'state', source: 'radio', from: undefined, to: 'idle', event: undefined }, // invoked on entering chase
      { type: 'story:transition', kind: 'state', source: 'radio', from: 'idle', to: 'calling', event: 'CALL' },
      { type: 'story:transition', kind: 'state', source: 'guard', from: 'investigate', to: 'chase.running', event: 'SPOT' },
      { type: 'story:transition', kind: 'state', source: 'guard', from: 'chase.running', to: 'chase.cornering', event: 'BACKUP_COMING' },
      { type: 'story:transition', kind: 'state', source: 'guard', from: 'chase.cornering', to: 'patrol.walking', event: 'LOST' },
    ]);
    for (const t of story.filter((x) => x.type === 'story:transition')) expect((t.data as { dwellMs: number }).dwellMs).toBeGreaterThanOrEqual(0);
    // The radio was stopped when the guard left the chase.
    expect(e.filter((x) => x.type === 'xstate:status').map((x) => ({ source: x.source, ...(x.data as object) }))).toEqual([{ source: 'radio', from: 'active', to: 'stopped', event: 'xstate.stop' }]);
    const sent = e.filter((x) => x.type === 'xstate:event').map((x) => ({ kind: x.kind, source: x.source, ...(x.data as { event: { type: string }; from: unknown; to: unknown }) }));
    expect(sent).toEqual([
      { kind: 'agent', source: 'outside', event: { type: 'NOISE' }, from: null, to: 'guard' },
      { kind: 'agent', source: 'outside', event: { type: 'SPOT' }, from: null, to: 'guard' },
      { kind: 'agent', source: 'guard', event: { type: 'CALL' }, from: 'guard', to: 'radio' },
      { kind: 'agent', source: 'radio', event: { type: 'BACKUP_COMING', squad: 2 }, from: 'radio', to: 'guard' },
      { kind: 'agent', source: 'outside', event: { type: 'LOST' }, from: null, to: 'guard' },
    ]);
    console.log(`xstate: ${story.length} story entries (${story.filter((x) => x.type === 'story:transition').length} transitions), ${sent.length} events, ${e.filter((x) => x.type === 'xstate:status').length} status change`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** The state:change entries, one line per change: source, parent span, path and value. */
function changes(e: Slim[]): { source?: string; parentId?: number; path: string; next?: unknown }[] {
  return e
    .filter((x) => x.type === 'state:change')
    .flatMap((x) => (x.data as { changes: { path: (string | number)[]; next?: unknown }[] }).changes.map((c) => ({ source: x.source, parentId: x.parentId, path: c.path.join('.'), next: c.next })));
}

describe('Redux Toolkit: a shop in slices, with a thunk, configureStore with traceRedux prepended, the store tracked', () => {
  it('each action is a span named by its type, parenting the state changes it caused; a thunk\'s actions are children of the thunk', async () => {
    const { page, errors } = await open('/test/fixtures/redux-shop/', 'store');
    await page.locator('#buy').click();
    await page.locator('#rats').click();
    await page.locator('#rats').click(); // done already: the thunk dispatches nothing
    await expect.poll(() => page.locator('#gold').textContent()).toBe('8');
    const e = await stored(page);
    const spans = e.filter((x) => x.kind === 'agent');
    expect(spans.map((s) => [s.type, s.status, s.args])).toEqual([
      ['redux.player/bought', 'ok', [{ type: 'player/bought', payload: { item: 'sword', price: 5 } }]],
      ['redux.quests/completed', 'ok', [{ type: 'quests/completed', payload: 'rats' }]],
      ['redux.player/rewarded', 'ok', [{ type: 'player/rewarded', payload: 3 }]],
      ['redux.thunk', 'ok', undefined],
      ['redux.thunk', 'ok', undefined],
    ]);
    const [buy, done, reward, thunk] = spans;
    expect([done!.parentId, reward!.parentId]).toEqual([thunk!.spanId, thunk!.spanId]);
    expect(buy!.parentId).toBeUndefined();
    expect(changes(e)).toEqual([
      { source: 'store', parentId: buy!.spanId, path: 'player.gold', next: 5 },
      { source: 'store', parentId: buy!.spanId, path: 'player.bag.0', next: 'sword' },
      { source: 'store', parentId: done!.spanId, path: 'quests.done.0', next: 'rats' },
      { source: 'store', parentId: reward!.spanId, path: 'player.gold', next: 8 },
    ]);
    console.log(`redux: ${spans.length} action spans (2 thunks), ${changes(e).length} state changes, each parented by its action`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Zustand: a farm store (zustand/vanilla) with its actions in the state, tracked and its actions hooked', () => {
  it('each action is a span; an action calling another nests; the state changes are parented by the action that made them', async () => {
    const { page, errors } = await open('/test/fixtures/zustand-farm/', 'farm');
    await page.locator('#plant').click();
    await page.locator('#plant').click();
    await page.locator('#harvest').click();
    await expect.poll(() => page.locator('#coins').textContent()).toBe('8');
    const e = await stored(page);
    const spans = e.filter((x) => x.kind === 'agent');
    expect(spans.map((s) => [s.type, s.args])).toEqual([
      ['farm.plant', undefined],
      ['farm.plant', undefined],
      ['farm.sell', [2]],
      ['farm.harvest', undefined],
    ]);
    const [plant1, plant2, sell, harvest] = spans;
    expect(sell!.parentId).toBe(harvest!.spanId);
    expect(changes(e)).toEqual([
      { source: 'farm', parentId: plant1!.spanId, path: 'fields.0', next: { crop: 'turnip', planted: 1 } },
      { source: 'farm', parentId: plant2!.spanId, path: 'fields.1', next: { crop: 'turnip', planted: 1 } },
      { source: 'farm', parentId: harvest!.spanId, path: 'day', next: 2 },
      { source: 'farm', parentId: harvest!.spanId, path: 'fields.0', next: undefined },
      { source: 'farm', parentId: harvest!.spanId, path: 'fields.1', next: undefined },
      { source: 'farm', parentId: sell!.spanId, path: 'coins', next: 8 },
    ]);
    console.log(`zustand: ${spans.length} action spans (sell nested in harvest), ${changes(e).length} state changes, each parented by its action`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Phaser: a two-scene game (Canvas renderer) with tracePhaser, Phaser owning the loop', () => {
  it('scenes\' init/preload/create are spans, update is aggregated per second, a switch is one story transition, the loop\'s frames are frame:stats, input is player entries', async () => {
    const { page, errors } = await open('/test/fixtures/phaser-stars/', 'game');
    type W = { game: { scene: { isActive(key: string): boolean } } };
    const active = (key: string) => page.evaluate((key) => (window as unknown as W).game.scene.isActive(key), key);
    await expect.poll(() => active('Menu'), { timeout: 30_000 }).toBe(true);
    const canvas = page.locator('#game canvas');
    await canvas.click({ position: { x: 100, y: 100 } });
    await expect.poll(() => active('Play'), { timeout: 30_000 }).toBe(true);
    await page.keyboard.down('ArrowRight');
    // Until Play's updates are seen summed up: more calls than entries (polled, not timed). Not merely
    // until its first entry: the one-second window is the loop's, not the scene's, so Play's first
    // entry can hold a single call (Play started in the window's last step), more likely under load.
    const playCalls = async () => {
      const u = (await stored(page)).filter((x) => x.type === 'phaser:update' && x.source === 'Play');
      return u.reduce((n, x) => n + (x.data as { calls: number }).calls, 0) - u.length;
    };
    await expect.poll(playCalls, { timeout: 30_000 }).toBeGreaterThan(0);
    await page.keyboard.up('ArrowRight');
    await page.keyboard.press('Space');
    await page.keyboard.press('Escape');
    await expect.poll(() => active('Menu'), { timeout: 30_000 }).toBe(true);
    await expect.poll(async () => (await stored(page)).filter((x) => x.type === 'story:transition').length, { timeout: 30_000 }).toBe(2);
    const e = await stored(page);

    // Phaser's keyboard plugin can hand one key event to a scene twice in a frame in headless Chromium
    // (without the agent too: its own code has a "duplicate event bailout" for one such case), and the
    // game's Escape handler then switches twice: the second, from a menu already awake, restarts it
    // (shutdown, start, init, create) in the same step. What comes after the first wake allows for that.
    const spans = e.filter((x) => x.kind === 'agent' && /Scene\./.test(x.type)); // not the loader's net:xhr of star.svg
    expect(spans.slice(0, 5).map((s) => [s.type, s.status])).toEqual([
      ['MenuScene.init', 'ok'],
      ['MenuScene.create', 'ok'],
      ['PlayScene.init', 'ok'],
      ['PlayScene.preload', 'ok'],
      ['PlayScene.create', 'ok'],
    ]); // woken by the second switch, the menu is not created again (unless restarted, below)
    expect(spans.slice(5).map((s) => s.type).join(' ')).toMatch(/^(MenuScene\.init MenuScene\.create ?)*$/);
    expect(spans[0]!.args).toEqual([{}]);
    expect(e.some((x) => x.type === 'net:xhr' && x.status === 'ok')).toBe(true); // the loader fetched star.svg

    const story = e.filter((x) => x.source === 'phaser' && x.type.startsWith('story:')).map((x) => ({ type: x.type, ...(x.data as object) }));
    expect(story).toMatchObject([
      { type: 'story:enter', node: 'Menu' },
      { type: 'story:transition', from: 'Menu', to: 'Play', via: 'switch' },
      { type: 'story:transition', from: 'Play', to: 'Menu', via: 'switch' },
    ]);
    const lifecycle = e.filter((x) => x.type === 'phaser:scene').map((x) => `${(x.data as { scene: string }).scene}:${(x.data as { event: string }).event}`);
    // The first scene starts in the boot that creates it, before (or, as the game's ready event goes, as) tracePhaser listens.
    expect(lifecycle.join(' ')).toMatch(/^(Menu:start )?(Menu:create )?Menu:sleep Play:start Play:create Play:sleep Menu:wake( Menu:shutdown Menu:start Menu:create)*$/);

    const updates = e.filter((x) => x.type === 'phaser:update').map((x) => ({ source: x.source, ...(x.data as { calls: number; ms: number; maxMs: number }) }));
    const playUpdates = updates.filter((u) => u.source === 'Play');
    const calls = playUpdates.reduce((n, u) => n + u.calls, 0);
    expect(playUpdates.length).toBeGreaterThan(0);
    expect(calls).toBeGreaterThan(playUpdates.length); // many calls, one entry a second
    for (const u of updates) expect(u.maxMs).toBeLessThanOrEqual(u.ms);

    const frames = e.filter((x) => x.type === 'frame:stats');
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((f) => f.source === 'phaser' && (f.data as { times: number[] }).times.length === (f.data as { frames: number }).frames)).toBe(true);

    const input = e.filter((x) => x.kind === 'player').map((x) => `${x.source}:${x.type}:${(x.data as { key?: string }).key ?? ''}`);
    expect(input).toEqual(expect.arrayContaining(['Menu:phaser:pointerdown:', 'Play:phaser:keydown:ArrowRight', 'Play:phaser:keyup:ArrowRight', 'Play:phaser:keydown: ', 'Play:phaser:keydown:Escape']));
    // The menu slept through the keys; the play scene was not running at the click's pointerdown (its
    // pointerup, a frame or more later, may find it started: the switch runs in the step after the press).
    expect(input.filter((i) => i.startsWith('Menu:phaser:keydown') || i.startsWith('Play:phaser:pointerdown'))).toEqual([]);
    // A restart (shutdown, start) of the menu: Phaser's input plugin drops its listeners at the shutdown, the adapter's too;
    // the menu's input is still recorded after it (its pointerdown a second time).
    await page.evaluate(() => (window as unknown as { game: { scene: { getScene(k: string): { scene: { restart(): void } } } } }).game.scene.getScene('Menu').scene.restart());
    await expect.poll(() => active('Menu'), { timeout: 30_000 }).toBe(true);
    await canvas.click({ position: { x: 100, y: 100 } });
    const menuDowns = async () => (await stored(page)).filter((x) => x.kind === 'player' && x.source === 'Menu' && x.type === 'phaser:pointerdown').length;
    await expect.poll(menuDowns, { timeout: 30_000 }).toBe(2);
    console.log(`phaser: ${spans.length} lifecycle spans, ${story.length - 1} scene transitions, ${lifecycle.length} scene events, ${playUpdates.length} update aggregates of Play for ${calls} update calls, ${frames.length} frame:stats (${frames.reduce((n, f) => n + (f.data as { frames: number }).frames, 0)} frames), ${input.length} input entries`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Yuka: West World\'s miner, a StateMachine (trackStory) and a goal-driven Think brain (hook), ticked by the player', () => {
  it('each state change is one story transition (via changeTo, choice the state id), each arbitration a span whose children are the evaluators\' scores and the winner\'s setGoal', async () => {
    const { page, errors } = await open('/test/fixtures/yuka-miner/', 'bob');
    for (let i = 0; i < 11; i++) await page.locator('#tick').click();
    await expect.poll(() => page.locator('#log li').count()).toBeGreaterThan(5);
    const game = await page.evaluate(() => {
      const w = window as unknown as { westWorld: { log: string[] }; bob: { stateMachine: { states: Map<string, unknown>; currentState: unknown } } };
      const sm = w.bob.stateMachine;
      return { log: w.westWorld.log, now: [...sm.states].find(([, s]) => s === sm.currentState)![0] };
    });
    const e = await stored(page);
    const story = e.filter((x) => x.source === 'bob' && x.type.startsWith('story:')).map((x) => ({ type: x.type, ...(x.data as { from?: string; to?: string; node?: string; via?: string; choice?: string }) }));
    // The game's own log says where Bob went: one "enter" line per state change (the first, DIG, before tracking began).
    const entered = game.log.filter((l) => l.startsWith('Bob:')).slice(1);
    const where: Record<string, string> = { "Bob: walkin' to the gold mine": 'DIG', "Bob: goin' to the bank": 'BANK', 'Bob: home, sweet home': 'SLEEP' };
    expect(story[0]).toMatchObject({ type: 'story:enter', node: 'DIG' });
    const moves = story.slice(1);
    expect(moves.map((m) => m.to)).toEqual(entered.map((l) => where[l]));
    expect(moves.map((m) => [m.via, m.choice])).toEqual(moves.map((m) => ['changeTo', m.to]));
    expect(moves.slice(1).map((m) => m.from)).toEqual(moves.slice(0, -1).map((m) => m.to));
    expect(moves.at(-1)!.to).toBe(game.now);
    expect(moves.map((m) => m.to)).toEqual(['BANK', 'DIG', 'BANK', 'SLEEP', 'DIG']);

    const spans = e.filter((x) => x.kind === 'agent');
    const arbitrations = spans.filter((s) => s.type === 'bob.brain.arbitrate');
    const decisions = game.log.filter((l) => l.startsWith('Bob decides'));
    expect(arbitrations).toHaveLength(decisions.length);
    const winners = arbitrations.map((a) => {
      const kids = spans.filter((s) => s.parentId === a.spanId);
      expect(kids.filter((k) => k.method === 'calculateDesirability')).toHaveLength(2);
      const set = kids.filter((k) => k.method === 'setGoal');
      expect(set).toHaveLength(1);
      return set[0]!.type;
    });
    expect(winners.map((w) => (w === 'bob.brain.evaluators[0].setGoal' ? 'Bob decides to eat a stew' : 'Bob decides to keep working'))).toEqual(decisions);
    console.log(`yuka: ${moves.length} state transitions, ${arbitrations.length} arbitrations (${spans.length} spans with the evaluators' scores and goals)`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
