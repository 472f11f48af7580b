// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTraceAgent, type TraceAgent, type TraceAgentOptions } from '../../../src/create-agent';
import { Attachments } from '../../../src/agent/attach';
import { TraceCore } from '../../../src/core/agent';
import { Hooks } from '../../../src/hooks/hook';
import { patchMethod } from '../../../src/hooks/patch';
import { freshDb } from '../store/helpers';

/**
 * The one restore rule (src/hooks/patch.ts), on every path that puts a
 * wrapper of ours on someone else's method: when the page wrapped over ours,
 * destroy() leaves the page's wrapper in place, it still works, and ours in
 * it only passes calls through (nothing more is recorded).
 */

let agent: TraceAgent | null = null;
const g = globalThis as Record<string, unknown>;
let savedFetch: unknown;
let savedXhr: unknown;
let savedWarn: typeof console.warn;

beforeEach(() => {
  savedFetch = g['fetch'];
  savedXhr = g['XMLHttpRequest'];
  savedWarn = console.warn;
});
afterEach(() => {
  agent?.destroy();
  agent = null;
  g['fetch'] = savedFetch;
  g['XMLHttpRequest'] = savedXhr;
  console.warn = savedWarn;
});

const make = (o: TraceAgentOptions = {}) => (agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false, ...o }));

/** Wraps `holder[key]` the way a page's own logger does: calls whatever was there, counting. */
function wrapOver<T extends object>(holder: T, key: keyof T & string): { calls: number; fn: Function } {
  const below = holder[key] as unknown as Function;
  const theirs = {
    calls: 0,
    fn: function (this: unknown, ...args: unknown[]) {
      theirs.calls++;
      return below.apply(this, args);
    } as Function,
  };
  (holder as Record<string, unknown>)[key] = theirs.fn;
  return theirs;
}

describe('restore only if the wrapper is still ours: a page wraps over ours, then destroy()', () => {
  it('fetch: theirs survives and still fetches; ours passes through', async () => {
    const response = new Response('ok');
    const native = vi.fn(async () => response);
    g['fetch'] = native;
    const a = make({ network: { xhr: false } });
    expect(g['fetch']).not.toBe(native); // ours is on
    const theirs = wrapOver(g, 'fetch');
    a.destroy();
    expect(g['fetch']).toBe(theirs.fn);
    const logged = a.stats().logged;
    await expect((g['fetch'] as typeof fetch)('https://api.test/x')).resolves.toBe(response);
    expect(theirs.calls).toBe(1);
    expect(native).toHaveBeenCalledTimes(1);
    expect(a.stats().logged).toBe(logged); // no span from ours
  });

  it('XMLHttpRequest.prototype.open and send: theirs survive and still send', () => {
    const opened: string[] = [];
    const sent: unknown[] = [];
    class Xhr extends EventTarget {
      open(method: string, url: string): void {
        opened.push(`${method} ${url}`);
      }
      send(body?: unknown): void {
        sent.push(body);
      }
    }
    g['XMLHttpRequest'] = Xhr;
    const a = make({ network: { fetch: false } });
    const open = wrapOver(Xhr.prototype, 'open');
    const send = wrapOver(Xhr.prototype, 'send');
    a.destroy();
    expect(Xhr.prototype.open).toBe(open.fn);
    expect(Xhr.prototype.send).toBe(send.fn);
    const logged = a.stats().logged;
    const x = new Xhr();
    x.open('GET', 'https://api.test/y');
    x.send('body');
    expect(opened).toEqual(['GET https://api.test/y']);
    expect(sent).toEqual(['body']);
    expect([open.calls, send.calls]).toEqual([1, 1]);
    expect(a.stats().logged).toBe(logged);
  });

  it('a story method: theirs survives and still moves the story', () => {
    const story = {
      node: 'a',
      go(n: string) {
        this.node = n;
        return n;
      },
    };
    const a = make();
    a.trackStory(story, { poll: false });
    const theirs = wrapOver(story, 'go');
    a.destroy();
    expect(story.go).toBe(theirs.fn);
    const logged = a.stats().logged;
    expect(story.go('b')).toBe('b');
    expect(story.node).toBe('b');
    expect(theirs.calls).toBe(1);
    expect(a.stats().logged).toBe(logged);
  });

  it('a system hook (console.warn): theirs survives and still prints', () => {
    const printed: unknown[][] = [];
    console.warn = (...args: unknown[]) => void printed.push(args);
    const a = make({ system: { console: true } });
    const theirs = wrapOver(console, 'warn');
    a.destroy();
    expect(console.warn).toBe(theirs.fn);
    const logged = a.stats().logged;
    console.warn('careful', 1);
    expect(printed).toEqual([['careful', 1]]);
    expect(theirs.calls).toBe(1);
    expect(a.stats().logged).toBe(logged);
  });

  it('an agent method: theirs survives and still answers (destroy used to put the original back over theirs)', () => {
    const npc = {
      hp: 3,
      hit(n: number) {
        this.hp -= n;
        return this.hp;
      },
    };
    const a = make();
    expect(a.hook(npc, 'npc')[0]!.methods).toEqual(['hit']);
    const theirs = wrapOver(npc, 'hit');
    a.destroy();
    expect(npc.hit).toBe(theirs.fn);
    const logged = a.stats().logged;
    expect(npc.hit(1)).toBe(2);
    expect(theirs.calls).toBe(1);
    expect(a.stats().logged).toBe(logged);
  });

  it('unhook() of a wrapped-over agent method leaves theirs too, and the untouched methods go back', () => {
    const npc = {
      think: () => 'hmm',
      hit: (n: number) => n,
    };
    const think = npc.think;
    const a = make();
    a.hook(npc, 'npc');
    const theirs = wrapOver(npc, 'hit');
    a.unhook(npc);
    expect(npc.hit).toBe(theirs.fn);
    expect(npc.think).toBe(think);
    expect(npc.hit(4)).toBe(4);
  });
});

describe('a method left in the page\'s wrapper is a hook problem (shown in the overlay\'s health)', () => {
  it('unhook() names the methods it could not put back', () => {
    const core = new TraceCore({ write: () => {} });
    const attachments = new Attachments(core, new Hooks(core), false);
    const npc = { think: () => 'hmm', hit: (n: number) => n };
    attachments.hook(npc, 'npc');
    wrapOver(npc, 'hit');
    expect(attachments.problems).toEqual([]);
    attachments.unhook(npc);
    expect(attachments.problems).toEqual([{ path: 'unhook', reason: expect.stringContaining('unhook: hit wrapped over by the page since') }]);
  });
});

describe('patchMethod', () => {
  it('restores exactly where ours is still in place, and says what it did otherwise', () => {
    const o = { f: (x: number) => x + 1 };
    const f = o.f;
    const seen: number[] = [];
    const p = patchMethod(o, 'f', f, (fn, self, args) => {
      seen.push(args[0] as number);
      return Reflect.apply(fn, self, args);
    });
    expect(o.f).not.toBe(f);
    expect(o.f.name).toBe('f');
    expect(o.f(1)).toBe(2);
    expect(p.restore()).toBe('restored');
    expect(o.f).toBe(f);
    expect(seen).toEqual([1]);

    const q = patchMethod(o, 'f', f, () => 'traced');
    const mine = o.f;
    Object.freeze(o);
    expect(q.restore()).toBe('refused');
    expect(o.f).toBe(mine);
    expect(o.f(1)).toBe(2); // a pass-through now
  });
});

describe('a method left on an object frozen since is a hook problem that says so', () => {
  it('unhook() does not say the page wrapped over a method it froze', () => {
    const core = new TraceCore({ write: () => {} });
    const attachments = new Attachments(core, new Hooks(core), false);
    const npc = { think: () => 'hmm', hit: (n: number) => n };
    attachments.hook(npc, 'npc');
    Object.freeze(npc);
    attachments.unhook(npc);
    expect(attachments.problems).toHaveLength(1);
    expect(attachments.problems[0]!.reason).toContain('frozen since');
    expect(attachments.problems[0]!.reason).not.toContain('wrapped over');
  });
});
