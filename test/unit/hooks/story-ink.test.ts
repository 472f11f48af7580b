/**
 * The README's ink recipe against the real inkjs (a devDependency), in Node:
 * a story written for the test, compiled by inkjs's own compiler, played
 * through by a reader loop as ink's web template plays it. Chromium plays the
 * same story in test/browser/ink-story.test.ts.
 */
import { readFileSync } from 'node:fs';
import { Compiler } from 'inkjs/full';
import { describe, expect, it } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import type { TraceEntry } from '../../../src/core/entry';
import { StoryTracker } from '../../../src/hooks/story';

const SOURCE = readFileSync('test/fixtures/ink-story/lighthouse.ink', 'utf8');
/** The reader's picks, by choice text: a loop back (the boat), a once-only choice, a stitch, the end. */
const PICKS = ['Take the boat', 'Climb to the hut', 'Take the oil', 'Go back down to the shore', 'Climb to the hut', 'Walk the causeway to the lighthouse', 'Rest a while', 'Fill the lamp and light it'];

type InkStory = ReturnType<Compiler['Compile']>;

function play(story: InkStory): string[] {
  const transcript: string[] = [];
  const tell = () => {
    while (story.canContinue) transcript.push(story.Continue()!.trim());
  };
  tell();
  for (const pick of PICKS) {
    const choice = story.currentChoices.find((c) => c.text === pick);
    if (!choice) throw new Error(`no choice "${pick}" among ${story.currentChoices.map((c) => c.text).join(', ')}`);
    transcript.push(`> ${choice.text}`);
    story.ChooseChoiceIndex(choice.index);
    tell();
  }
  return transcript;
}

describe('the ink recipe, against the real inkjs', () => {
  it('records one transition per choice, each with its choice index, and the transcript is the same as without tracing', () => {
    const untraced = play(new Compiler(SOURCE).Compile());
    const entries: TraceEntry[] = [];
    const core = new TraceCore({ write: (e) => entries.push(e) });
    const story = new Compiler(SOURCE).Compile();
    const indices: number[] = [];
    new StoryTracker(core, story, { name: 'ink', methods: ['ChooseChoiceIndex'], current: (s) => (s as InkStory).state.currentPathString, poll: false });
    const traced = (() => {
      // The picks' indices, as the reader chose them, to compare with the transitions' choices.
      const original = story.ChooseChoiceIndex;
      story.ChooseChoiceIndex = function (i: number) {
        indices.push(i);
        return original.call(this, i);
      };
      return play(story);
    })();
    expect(traced).toEqual(untraced);
    expect(untraced.at(-1)).toBe('The light swings out across the water.');
    const transitions = entries.filter((e) => e.type === 'story:transition').map((e) => e.data as { from: string | null; to: string; choice: number; via: string });
    expect(transitions).toHaveLength(PICKS.length);
    expect(transitions.map((t) => t.choice)).toEqual(indices);
    expect(transitions.every((t) => t.via === 'ChooseChoiceIndex')).toBe(true);
    expect(transitions.map((t) => t.to.split('.')[0])).toEqual(['shore', 'shore', 'hut', 'hut', 'shore', 'hut', 'lighthouse', 'lighthouse']);
    for (let i = 1; i < transitions.length; i++) expect(transitions[i]!.from).toBe(transitions[i - 1]!.to);
  });

  it('the compiled story the browser fixture loads (story.js) is what inkjs compiles from lighthouse.ink now', () => {
    const js = readFileSync('test/fixtures/ink-story/story.js', 'utf8');
    const json = js.slice(js.indexOf('var storyContent = ') + 'var storyContent = '.length, js.lastIndexOf(';'));
    expect(JSON.parse(json)).toEqual(JSON.parse(new Compiler(SOURCE).Compile().ToJson()!));
  });
});
