import { describe, expect, it } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import type { TraceEntry } from '../../../src/core/entry';
import { StoryTracker } from '../../../src/hooks/story';

function setup() {
  const entries: TraceEntry[] = [];
  const core = new TraceCore({ write: (e) => entries.push(e) });
  const transitions = () => entries.filter((e) => e.type === 'story:transition').map((e) => e.data as Record<string, unknown>);
  return { core, entries, transitions };
}

class Story {
  currentId = 'intro';
  private readonly edges: Record<string, Record<string, string>> = { intro: { talk: 'quest', leave: 'end' }, quest: { win: 'end' } };
  advance(choice: string): string | null {
    const to = this.edges[this.currentId]?.[choice];
    if (!to) return null;
    this.currentId = to;
    return to;
  }
  async advanceLater(choice: string): Promise<string | null> {
    await Promise.resolve();
    return this.advance(choice);
  }
  get title(): string {
    return this.currentId.toUpperCase();
  }
}

describe('trackStory', () => {
  it('turns node changes into transitions with from, to, choice, the method and the dwell time', async () => {
    const { core, entries, transitions } = setup();
    const story = new Story();
    const t = new StoryTracker(core, story, { poll: false });
    expect(entries[0]).toMatchObject({ type: 'story:enter', data: { node: 'intro' } });
    expect(story.advance('nope')).toBeNull(); // no transition
    expect(story.advance('talk')).toBe('quest');
    await story.advanceLater('win');
    await new Promise((r) => setTimeout(r, 0));
    expect(transitions()).toMatchObject([
      { from: 'intro', to: 'quest', choice: 'talk', via: 'advance' },
      { from: 'quest', to: 'end', choice: 'win', via: 'advance' }, // the innermost call that moved the story
    ]);
    expect(transitions()[0]!['dwellMs']).toBeGreaterThanOrEqual(0);
    expect(story.title).toBe('END'); // getters untouched
    t.stop();
    expect(Object.prototype.hasOwnProperty.call(story, 'advance')).toBe(false); // restored
  });

  it('reads the node from an object with an id, or from a function', () => {
    const { core, transitions } = setup();
    const graph = { node: { id: 'a' }, go(id: string) { this.node = { id }; } };
    new StoryTracker(core, graph, { poll: false }).node;
    graph.go('b');
    const other = { state: { at: 1 }, step() { this.state.at++; } };
    new StoryTracker(core, other, { poll: false, current: (g) => (g as typeof other).state.at, name: 'chapters' });
    other.step();
    expect(transitions()).toMatchObject([
      { from: 'a', to: 'b', choice: 'b' },
      { from: '1', to: '2', via: 'step' },
    ]);
  });

  it('says what it looked for when it finds no current node', () => {
    const { core } = setup();
    expect(() => new StoryTracker(core, { go() {} })).toThrow(/currentId, currentNode, current, node/);
  });

  it('sees a node set from outside on the next frame', async () => {
    const { core, transitions } = setup();
    const frames: FrameRequestCallback[] = [];
    const g = globalThis as { requestAnimationFrame?: unknown; cancelAnimationFrame?: unknown };
    g.requestAnimationFrame = (cb: FrameRequestCallback) => frames.push(cb);
    g.cancelAnimationFrame = () => {};
    try {
      const story = new Story();
      const t = new StoryTracker(core, story);
      story.currentId = 'end';
      frames.shift()!(0);
      expect(transitions()).toMatchObject([{ from: 'intro', to: 'end', via: 'frame' }]);
      t.stop();
    } finally {
      delete g.requestAnimationFrame;
      delete g.cancelAnimationFrame;
    }
  });
});

describe('trackStory leaves the graph working (from review)', () => {
  it('keeps rejections unhandled, constructors constructing, later handlers in place, and refuses to track twice', async () => {
    const { core } = setup();
    class Node {
      constructor(public id: string) {}
    }
    const graph = {
      node: 'a',
      Node,
      async fail(): Promise<never> {
        throw new Error('no');
      },
      onEnd: () => 'default',
    };
    const t = new StoryTracker(core, graph, { poll: false });
    expect(() => new StoryTracker(core, graph, { poll: false })).toThrow(/tracked already/);
    expect(new graph.Node('x')).toBeInstanceOf(Node);
    const p = graph.fail();
    let handledBy = '';
    await p.catch((e: Error) => (handledBy = e.message));
    expect(handledBy).toBe('no');
    graph.onEnd = () => 'the game\'s own';
    t.stop();
    expect(graph.onEnd()).toBe("the game's own");
    expect(() => new StoryTracker(core, graph, { poll: false }).stop()).not.toThrow();
  });
});
