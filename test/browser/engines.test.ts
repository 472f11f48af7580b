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
const ENGINES = ['xstate'];

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
