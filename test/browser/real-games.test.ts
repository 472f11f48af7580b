/**
 * Games written the way other people write them (issue 12), traced from the
 * script tag, in real Chromium: hooked when the game defines its objects,
 * before its start-up code takes references to their methods; a global state
 * the game replaces; an ink story read through with the real inkjs.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../src/core/entry';
import { stateAt } from '../../src/export/state-replay';
import type { TraceFile } from '../../src/export/trace-json';
import { collectErrors, useBrowser, waitForStore } from './browser';

// inkjs's own build (a devDependency) is served as /ink.js, as a game would ship it.
const env = useBrowser({ dirs: ['test/fixtures', 'dist', 'node_modules/inkjs/dist'] });

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await env.browser.newPage();
  const errors = collectErrors(page);
  await page.goto(env.server.url + path);
  return { page, errors };
}

async function exportTrace(page: Page): Promise<TraceEntry[]> {
  const trace = (await page.evaluate(() => (window as unknown as { TraceAgent: { exportTrace(): Promise<unknown> } }).TraceAgent.exportTrace())) as TraceFile;
  return trace.entries;
}

/** The overlay's hook problems, as its summary shows them. */
async function hookProblems(page: Page): Promise<string> {
  await page.evaluate(() => (window as unknown as { TraceAgent: { open(): void } }).TraceAgent.open());
  await page.locator('trace-agent-overlay .panel').waitFor({ timeout: 10_000 });
  await page.locator('trace-agent-overlay .facts').first().waitFor({ timeout: 10_000 }); // the summary is drawn from a snapshot
  const problems = page.locator('trace-agent-overlay .problems');
  return (await problems.count()) > 0 ? ((await problems.first().textContent()) ?? '') : '';
}

describe('Chromium: what a configurable accessor on window does to global declarations', () => {
  it('`var X = ...` keeps the accessor and assigns through its setter; `function X` redefines the property; `let X` leaves it alone', async () => {
    const { page, errors } = await open('/blank.html');
    const r = await page.evaluate(() => {
      const assigned: string[] = [];
      for (const name of ['VarModule', 'FnModule', 'LetModule', 'VarLater']) {
        Object.defineProperty(window, name, {
          get: () => undefined,
          set: (v: unknown) => {
            assigned.push(name);
            Object.defineProperty(window, name, { value: v, writable: true, enumerable: true, configurable: true });
          },
          enumerable: true,
          configurable: true,
        });
      }
      const run = (code: string) => {
        const s = document.createElement('script');
        s.textContent = code;
        document.head.appendChild(s);
      };
      run('var VarModule = { a: 1 };');
      run('function FnModule() {}');
      run('let LetModule = 2;');
      run('var VarLater;');
      const afterDeclaration = [...assigned];
      run('VarLater = 3;');
      const d = (n: string) => {
        const x = Object.getOwnPropertyDescriptor(window, n)!;
        return { accessor: typeof x.get === 'function', configurable: x.configurable, type: typeof (x.get ? x.get.call(window) : x.value) };
      };
      return { afterDeclaration, assigned, var: d('VarModule'), fn: d('FnModule'), let: d('LetModule'), later: d('VarLater') };
    });
    expect(r.afterDeclaration).toEqual(['VarModule']); // `var VarLater;` alone assigns nothing
    expect(r.assigned).toEqual(['VarModule', 'VarLater']);
    expect(r.var).toEqual({ accessor: false, configurable: true, type: 'object' });
    expect(r.fn).toEqual({ accessor: false, configurable: false, type: 'function' }); // CreateGlobalFunctionBinding redefined it: no setter ran
    expect(r.let).toEqual({ accessor: true, configurable: true, type: 'undefined' }); // a lexical binding, not a property of window
    expect(r.later).toEqual({ accessor: false, configurable: true, type: 'number' });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a classic-script game whose jQuery-style ready handler, registered before the agent, wires buttons to Module.method', () => {
  it('clicking a button makes a span; the function-declared constructor is hooked late and listed so', async () => {
    const { page, errors } = await open('/classic-ready/index.html');
    await waitForStore(page);
    await page.locator('#light').click();
    await page.locator('#light').click();
    await page.locator('#stoke').click();
    await page.locator('#trim').click();
    await expect.poll(() => page.locator('.note').count(), { timeout: 10_000 }).toBe(4);
    const e = await exportTrace(page);
    const of = (type: string) => e.filter((x) => x.type === type);
    expect(of('Engine.init')).toHaveLength(1); // run by the ready handler, after `var Engine` was hooked
    expect(of('Room.lightFire')).toHaveLength(2);
    expect(of('Room.stokeFire')).toHaveLength(1);
    const notifies = of('Engine.notify');
    expect(notifies).toHaveLength(4);
    const fires = [...of('Room.lightFire'), ...of('Room.stokeFire')].map((s) => s.spanId);
    expect(notifies.filter((n) => fires.includes(n.parentId))).toHaveLength(3);
    // `lamp.trim` was bound at the top of room.js, before any retry could hook Lamp.prototype:
    // that click calls the untraced original, and the overlay says why.
    expect(of('Lamp.trim')).toHaveLength(0);
    const problems = await hookProblems(page);
    expect(problems).toContain('Lamp.prototype: hooked late (when the parser finished)');
    expect(problems).not.toMatch(/hook (Room|Engine):/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a namespace two files fill (`var Game = Game || {}`, then methods) is hooked again when the parser is done: a button wired at ready makes spans', async () => {
    const { page, errors } = await open('/classic-ready/index.html');
    await waitForStore(page);
    await page.locator('#tend').click();
    await page.locator('#tend').click();
    await expect.poll(() => page.locator('.note').count(), { timeout: 10_000 }).toBe(4);
    const e = await exportTrace(page);
    const tends = e.filter((x) => x.type === 'Game.tend');
    const gathers = e.filter((x) => x.type === 'Game.gather');
    expect(tends).toHaveLength(2);
    expect(gathers.map((g) => tends.some((t) => t.spanId === g.parentId))).toEqual([true, true]);
    // Assigned empty by the first file: its methods came after, and were hooked by the retry.
    expect(await hookProblems(page)).toContain('Game: hooked late (when the parser finished): Game.gather, Game.tend, added after Game was hooked');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a canvas with the id of the game\'s global (`<canvas id="game">`, then `var game = new Game()`)', () => {
  it('the element is not taken for the game: the name reads as the element while waited for, and the game\'s own object is hooked when it assigns it', async () => {
    const { page, errors } = await open('/canvas-game/index.html');
    await waitForStore(page);
    await page.locator('#step').click();
    await page.locator('#step').click();
    await expect.poll(() => page.locator('.note').count(), { timeout: 10_000 }).toBe(2);
    const seen = await page.evaluate(() => {
      const w = window as unknown as { beforeGame: string; game: unknown; Game: Function };
      return { before: w.beforeGame, isGame: w.game instanceof w.Game, canvas: document.getElementById('game')!.localName };
    });
    expect(seen).toEqual({ before: 'canvas', isGame: true, canvas: 'canvas' });
    const e = await exportTrace(page);
    const spans = e.filter((x) => x.kind === 'agent' && x.type.startsWith('game.'));
    expect(spans.map((s) => [s.type, s.result])).toEqual([
      ['game.step', 10],
      ['game.step', 20],
    ]); // no canvas method (game.getContext) was hooked
    expect(await hookProblems(page)).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a module game that assigns window.game and its nested paths in steps', () => {
  it('hooks each path as it is assigned, before the game binds its handlers, and tracks a story assigned later', async () => {
    const { page, errors } = await open('/module-game/index.html');
    await waitForStore(page);
    await page.locator('#walk').click();
    await page.locator('#walk').click();
    await page.locator('#walk').click();
    await page.locator('#begin').click();
    await page.locator('#enter-hall').click();
    await page.locator('#enter-cellar').click();
    await expect.poll(() => page.locator('.note').count(), { timeout: 10_000 }).toBe(6);
    const e = await exportTrace(page);
    const of = (type: string) => e.filter((x) => x.type === type);
    expect(of('game.player.walk').map((s) => s.result)).toEqual([1, 2, 3]);
    expect(of('game.world.rooms[hall].enter')).toMatchObject([{ result: 'hall' }]);
    expect(of('game.world.rooms[cellar].enter')).toMatchObject([{ result: 'cellar' }]);
    expect(of('story:enter')).toMatchObject([{ source: 'story', data: { node: 'porch' } }]);
    expect(of('story:transition').map((t) => t.data)).toMatchObject([
      { from: 'porch', to: 'hall', choice: 'hall', via: 'go' },
      { from: 'hall', to: 'cellar', choice: 'cellar', via: 'go' },
    ]);
    expect(await hookProblems(page)).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a global state the game replaces (`State = JSON.parse(save)`), twice', () => {
  it('records the changes after each replacement, and stateAt agrees with the live object', async () => {
    const { page, errors } = await open('/save-game/index.html');
    await waitForStore(page);
    await page.evaluate(() => localStorage.removeItem('hut-save'));
    const live = () => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { State: unknown }).State)) as unknown);
    const click = async (...ids: string[]) => {
      for (const id of ids) await page.locator('#' + id).click();
    };
    await click('earn', 'save', 'earn', 'sleep');
    await click('load'); // first replacement: back to the save
    await click('earn', 'sleep', 'save', 'earn');
    await click('load'); // second replacement
    await click('earn', 'sleep');
    const end = await live();
    expect(end).toEqual({ gold: 15, day: 3, bag: ['coin', 'coin', 'coin'] });
    await expect.poll(() => page.locator('#status').textContent()).toBe('day 3, 15 gold, 3 in the bag');
    const e = (await exportTrace(page)).filter((x) => x.source === 'State');
    expect(e.map((x) => x.type)).toEqual([
      'state:checkpoint',
      ...Array(5).fill('state:change'), // earn (gold, bag), earn (gold, bag), sleep
      'state:replace',
      ...Array(3).fill('state:change'), // earn, sleep
      ...Array(2).fill('state:change'), // earn
      'state:replace',
      ...Array(3).fill('state:change'), // earn, sleep
    ]);
    const replaces = e.filter((x) => x.type === 'state:replace');
    expect(replaces.map((r) => (r.data as { state: unknown }).state)).toEqual([
      { gold: 5, day: 1, bag: ['coin'] },
      { gold: 10, day: 2, bag: ['coin', 'coin'] },
    ]);
    expect(stateAt(e, e.at(-1)!.seq, 'State')!).toMatchObject({ state: end, exact: true, checkpointSeq: replaces[1]!.seq });
    // Right before the second replacement, the state was the first one's, changed.
    expect(stateAt(e, replaces[1]!.seq - 1, 'State')!.state).toEqual({ gold: 15, day: 2, bag: ['coin', 'coin', 'coin'] });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('an ink story read in the browser with the real inkjs, traced by the README recipe', () => {
  /** Reads the story through: the choices by their text, as a reader clicks them; the transcript as shown. */
  async function readThrough(path: string): Promise<{ page: Page; errors: string[]; transcript: string[] }> {
    const { page, errors } = await open(path);
    const picks = ['Take the boat', 'Climb to the hut', 'Take the oil', 'Go back down to the shore', 'Climb to the hut', 'Walk the causeway to the lighthouse', 'Rest a while', 'Fill the lamp and light it'];
    for (const pick of picks) await page.locator('#story .choice a', { hasText: pick }).click();
    await page.locator('#story .end').waitFor({ timeout: 10_000 });
    const transcript = await page.locator('#story p').allTextContents();
    return { page, errors, transcript };
  }

  it('one transition per choice, each carrying its choice, and the same transcript as without the agent', async () => {
    const without = await readThrough('/ink-story/plain.html');
    await without.page.close();
    const traced = await readThrough('/ink-story/index.html');
    expect(traced.transcript).toEqual(without.transcript);
    expect(traced.transcript.at(-2)).toBe('The light swings out across the water.');
    const e = await exportTrace(traced.page);
    const transitions = e.filter((x) => x.type === 'story:transition' && x.source === 'ink').map((x) => x.data as { from: string | null; to: string; choice: number; via: string });
    const moves = await traced.page.locator('#story .picked').count();
    expect(moves).toBe(8);
    expect(transitions).toHaveLength(moves);
    expect(transitions.every((t) => t.via === 'ChooseChoiceIndex' && typeof t.choice === 'number')).toBe(true);
    expect(transitions.map((t) => t.choice)).toEqual([0, 1, 0, 0, 1, 1, 1, 0]); // the picks' indices among the choices shown
    expect(transitions.map((t) => t.to.split('.')[0])).toEqual(['shore', 'shore', 'hut', 'hut', 'shore', 'hut', 'lighthouse', 'lighthouse']);
    expect(traced.errors).toEqual([]);
    expect(without.errors).toEqual([]);
    await traced.page.close();
  });
});
