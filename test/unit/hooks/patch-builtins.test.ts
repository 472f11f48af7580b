import { afterEach, describe, expect, it } from 'vitest';
import { isPatchWrapper, patchMethod } from '../../../src/hooks/patch';

/**
 * patch.ts keeps its wrappers in a WeakSet with the methods captured at
 * start-up: a page that broke WeakSet.prototype.add since must not leave a
 * wrapper of ours on its method that nobody tracks (and so nobody restores).
 */
const realAdd = WeakSet.prototype.add;
const realHas = WeakSet.prototype.has;
afterEach(() => {
  WeakSet.prototype.add = realAdd;
  WeakSet.prototype.has = realHas;
});

describe('patchMethod with the page\'s WeakSet broken', () => {
  it('installs a wrapper it tracks, and restore() takes it out', () => {
    const game = { step: (n: number) => n + 1 };
    const original = game.step;
    WeakSet.prototype.add = function () {
      throw new Error('the page broke WeakSet.prototype.add');
    };
    WeakSet.prototype.has = () => false;
    let calls = 0;
    const patch = patchMethod(game, 'step', original, (fn, self, args) => {
      calls++;
      return Reflect.apply(fn, self, args);
    });
    expect(game.step(1)).toBe(2);
    expect(calls).toBe(1);
    expect(isPatchWrapper(game.step)).toBe(true);
    expect(patch.restore()).toBe('restored');
    expect(game.step).toBe(original);
  });
});

describe('Hooks with the page\'s WeakSet broken', () => {
  it('hook() does not throw, and leaves no wrapper it cannot track', async () => {
    const { TraceCore } = await import('../../../src/core/agent');
    const { Hooks } = await import('../../../src/hooks/hook');
    const core = new TraceCore({ write: () => {} });
    const hooks = new Hooks(core);
    const npc = { think: () => 'hmm' };
    const think = npc.think;
    WeakSet.prototype.add = function () {
      throw new Error('the page broke WeakSet.prototype.add');
    };
    const reports = hooks.hook(npc, 'npc');
    WeakSet.prototype.add = realAdd;
    expect(reports[0]!.methods).toEqual([]);
    expect(reports[0]!.skipped.map((s) => s.method)).toEqual(['think']);
    expect(npc.think).toBe(think);
  });
});
