// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTraceAgent, type TraceAgent } from '../../src/create-agent';
import { freshDb } from './store/helpers';

let agent: TraceAgent | null = null;
const g = globalThis as Record<string, unknown>;
afterEach(() => {
  agent?.destroy();
  agent = null;
  delete g['game'];
});

const make = (strict = false) => (agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false, strict }));

describe('hook, trackState and trackStory by global path', () => {
  it('resolve the path; an agent is named by it unless a name is given', () => {
    class Npc {
      think() {
        return 1;
      }
    }
    g['game'] = { Npc, story: { current: 'a', go() {} }, state: { hp: 1 } };
    const a = make();
    expect(a.hook('window.game.Npc.prototype')).toEqual([{ agent: 'game.Npc', methods: ['think'], skipped: [] }]);
    expect(a.hook('game.story', 'tale')[0]).toMatchObject({ agent: 'tale', methods: ['go'] });
    expect(a.trackState('game.state')).not.toBeNull();
    expect(a.trackStory('game.story', { poll: false })!.node).toBe('a');
  });

  it('a missing path is no throw outside strict mode, and a HOOK_FAILED naming the call in strict mode', () => {
    const a = make();
    expect(a.hook('game.missing')).toEqual([]);
    expect(a.trackState('game.missing')).toBeNull();
    expect(a.trackStory('game.missing')).toBeNull();
    a.destroy();
    const s = make(true);
    expect(() => s.hook('game.missing')).toThrow(expect.objectContaining({ code: 'HOOK_FAILED', message: 'hook("game.missing"): not found on window' }));
    expect(() => s.trackState('game.missing')).toThrow('trackState("game.missing"): not found on window');
    expect(() => s.trackStory('game.missing')).toThrow('trackStory("game.missing"): not found on window');
    expect(() => s.trackState(new Map())).toThrow(/trackState: expected a store/);
  });

  it('do nothing after destroy', () => {
    const npc = { act() {} };
    const act = npc.act;
    g['game'] = { npc };
    const a = make();
    a.destroy();
    expect(a.hook('game.npc')).toEqual([]);
    expect(a.trackState({ hp: 1 })).toBeNull();
    expect(npc.act).toBe(act);
  });
});
