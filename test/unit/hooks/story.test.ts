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
      { from: 'quest', to: 'end', choice: 'win', via: 'advance' }, // made after advanceLater's await: a call of its own
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

/** An engine whose methods call each other, as story engines do: every move passes through several nodes. */
class Engine {
  currentId = 'start';
  visits: string[] = [];
  private readonly graph: Record<string, string[]> = { start: ['hall', 'yard'], hall: ['cellar', 'start'], yard: ['start'], cellar: ['hall', 'cellar'] };
  choose(i: number): void {
    const to = this.graph[this.currentId]?.[i];
    if (!to) throw new RangeError(`no choice ${i} at ${this.currentId}`);
    this.enter(`${to}.door`); // passes a node on the way
    this.enter(to);
    this.step();
  }
  step(): void {
    this.visit(this.currentId);
  }
  visit(id: string): void {
    this.visits.push(id);
  }
  enter(id: string): void {
    this.currentId = id;
    this.visit(id);
  }
  continueText(): string {
    this.enter(`${this.currentId}.text`); // moves the pointer while telling the line
    this.enter(this.currentId.replace(/\.text$/, ''));
    return this.currentId;
  }
}

describe('one transition per move (from issue 12)', () => {
  it('records a transition at the end of the outermost call: transitions equal moves, via the called method, with its choice', () => {
    const { core, transitions } = setup();
    const e = new Engine();
    new StoryTracker(core, e, { poll: false });
    const choices = [0, 0, 0, 1, 1];
    for (const c of choices) e.choose(c);
    expect(transitions()).toEqual([
      expect.objectContaining({ from: 'start', to: 'hall', choice: 0, via: 'choose' }),
      expect.objectContaining({ from: 'hall', to: 'cellar', choice: 0, via: 'choose' }),
      expect.objectContaining({ from: 'cellar', to: 'hall', choice: 0, via: 'choose' }),
      expect.objectContaining({ from: 'hall', to: 'start', choice: 1, via: 'choose' }),
      expect.objectContaining({ from: 'start', to: 'yard', choice: 1, via: 'choose' }),
    ]);
    expect(transitions()).toHaveLength(choices.length);
    expect(e.visits).toHaveLength(choices.length * 3); // the internal calls all ran
  });

  it('with methods, only those calls move the story; another call\'s change is no transition, and the frame poll still sees a move from outside', () => {
    const { core, transitions } = setup();
    const frames: FrameRequestCallback[] = [];
    const g = globalThis as { requestAnimationFrame?: unknown; cancelAnimationFrame?: unknown };
    g.requestAnimationFrame = (cb: FrameRequestCallback) => frames.push(cb);
    g.cancelAnimationFrame = () => {};
    try {
      const e = new Engine();
      const t = new StoryTracker(core, e, { methods: [/^choose$/] });
      e.choose(0);
      e.enter('hall.aside'); // a call that is not a move: taken as where the story is
      expect(e.continueText()).toBe('hall.aside');
      frames.shift()!(0); // nothing changed outside a call
      e.currentId = 'cellar'; // set from outside any call
      frames.shift()!(0);
      e.choose(1); // a choice that loops back: still a move
      expect(() => e.choose(7)).toThrow(RangeError); // refused: no move
      e.choose(0);
      expect(transitions()).toEqual([
        expect.objectContaining({ from: 'start', to: 'hall', choice: 0, via: 'choose' }),
        expect.objectContaining({ from: 'hall', to: 'cellar', via: 'frame' }),
        expect.objectContaining({ from: 'cellar', to: 'cellar', choice: 1, via: 'choose' }),
        expect.objectContaining({ from: 'cellar', to: 'hall', choice: 0, via: 'choose' }),
      ]);
      t.stop();
    } finally {
      delete g.requestAnimationFrame;
      delete g.cancelAnimationFrame;
    }
  });
});

describe('a named move made inside another call on the graph (from review)', () => {
  it("with methods, `pick(i) { this.choose(i); this.continueText(); }` is one move: via the named method, its first argument the choice, recorded at the outer call's end", async () => {
    const { core, transitions } = setup();
    class Reader extends Engine {
      pick(i: number): string {
        this.choose(i);
        return this.continueText();
      }
      async pickLater(i: number): Promise<string> {
        this.choose(i); // before the first await: part of this call
        await Promise.resolve();
        return this.currentId;
      }
    }
    const r = new Reader();
    new StoryTracker(core, r, { poll: false, methods: ['choose'] });
    expect(r.pick(0)).toBe('hall');
    r.continueText(); // no named call inside: not a move
    expect(() => r.pick(9)).toThrow(RangeError); // the named call threw: no move
    await r.pickLater(0);
    expect(transitions()).toEqual([
      expect.objectContaining({ from: 'start', to: 'hall', choice: 0, via: 'choose' }),
      expect.objectContaining({ from: 'hall', to: 'cellar', choice: 0, via: 'choose' }),
    ]);
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
