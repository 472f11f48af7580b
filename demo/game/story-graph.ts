/**
 * StoryGraph agent: the quest line as a graph of nodes and transitions.
 *
 *   intro -> meet_elder -(accept)-> find_key -> open_gate -> boss -(win | parley)-> victory
 *                 |  ^                                        |
 *          (refuse) (reconsider)                          (fall: quest:fail)
 *                 v  |                                        v
 *              idle_days                                   defeat -(retry)-> boss
 *
 * victory -(new_game)-> intro starts the next run.
 */
import { round1 } from './map';
import { logEvent } from './trace';

export type StoryOutcome = 'complete' | 'fail' | 'neutral';

export interface StoryTransition {
  readonly choice: string;
  readonly label: string;
  readonly to: string;
  readonly outcome: StoryOutcome;
  /** A requirement such as "item:key" or "flag:riddle", checked by the game. */
  readonly requires?: string;
}

export interface StoryNode {
  readonly id: string;
  readonly title: string;
  readonly objective: string;
  readonly transitions: readonly StoryTransition[];
}

export interface StoryStep {
  from: string;
  choice: string;
  to: string;
  outcome: StoryOutcome;
}

export interface StoryView {
  id: string;
  title: string;
  objective: string;
  /** Seconds of game time spent in this node so far. */
  elapsed: number;
}

export type RequirementCheck = (requirement: string) => boolean;

export const STORY_NODES: readonly StoryNode[] = [
  {
    id: 'intro',
    title: 'A Quiet Morning',
    objective: 'Elder Rowan wants a word. Find him by his house.',
    transitions: [{ choice: 'talk_elder', label: 'Talk to the Elder', to: 'meet_elder', outcome: 'complete' }],
  },
  {
    id: 'meet_elder',
    title: "The Elder's Request",
    objective: 'The gate to the old crypt must be opened. Will you help?',
    transitions: [
      { choice: 'accept', label: 'I will find the key', to: 'find_key', outcome: 'complete' },
      { choice: 'refuse', label: 'Not today', to: 'idle_days', outcome: 'neutral' },
    ],
  },
  {
    id: 'idle_days',
    title: 'Idle Days',
    objective: 'Enjoy the village. Speak to the Elder when you change your mind.',
    transitions: [{ choice: 'reconsider', label: 'Ask about the gate again', to: 'meet_elder', outcome: 'complete' }],
  },
  {
    id: 'find_key',
    title: 'The Lost Key',
    objective: 'The old key lies in a chest by the pond, south-west.',
    transitions: [{ choice: 'found_key', label: 'Take the key', to: 'open_gate', outcome: 'complete', requires: 'item:key' }],
  },
  {
    id: 'open_gate',
    title: 'The Sealed Gate',
    objective: 'Open the iron gate east of the village.',
    transitions: [{ choice: 'open', label: 'Unlock the gate', to: 'boss', outcome: 'complete', requires: 'item:key' }],
  },
  {
    id: 'boss',
    title: 'The Gloom Warden',
    objective: 'Defeat the Warden, or speak the oracle\'s riddle to calm it.',
    transitions: [
      { choice: 'win', label: 'Strike it down', to: 'victory', outcome: 'complete', requires: 'flag:bossDefeated' },
      { choice: 'parley', label: "Speak the oracle's riddle", to: 'victory', outcome: 'complete', requires: 'flag:riddle' },
      { choice: 'fall', label: 'Fall in battle', to: 'defeat', outcome: 'fail' },
    ],
  },
  {
    id: 'defeat',
    title: 'Fallen',
    objective: 'You wake by the well, bruised. The Warden still waits.',
    transitions: [{ choice: 'retry', label: 'Try again', to: 'boss', outcome: 'neutral' }],
  },
  {
    id: 'victory',
    title: 'Dawn Returns',
    objective: 'The crypt is quiet. The village celebrates.',
    transitions: [{ choice: 'new_game', label: 'Begin a new tale', to: 'intro', outcome: 'neutral' }],
  },
];

const MAX_VISITED = 32;

export class StoryGraph {
  readonly nodes: Readonly<Record<string, StoryNode>>;
  readonly startId: string;
  currentId: string;
  /** Node ids entered, newest last (bounded). */
  visited: string[] = [];
  /** Game time (s) at which the current node was entered. */
  enteredAt = 0;
  private readonly check: RequirementCheck;
  private readonly clock: () => number;

  constructor(check: RequirementCheck, clock: () => number, nodes: readonly StoryNode[] = STORY_NODES, startId = 'intro') {
    const table: Record<string, StoryNode> = {};
    for (const node of nodes) table[node.id] = node;
    if (table[startId] === undefined) throw new RangeError(`StoryGraph: no start node "${startId}"`);
    this.nodes = table;
    this.startId = startId;
    this.currentId = startId;
    this.check = check;
    this.clock = clock;
  }

  /** The current quest node, as a small plain object. */
  current(): StoryView {
    const node = lookupNode(this.nodes, this.currentId);
    return { id: node.id, title: node.title, objective: node.objective, elapsed: this.clock() - this.enteredAt };
  }

  /** The choices that can be taken now (their requirements are met). */
  available(): string[] {
    return lookupNode(this.nodes, this.currentId)
      .transitions.filter((t) => t.requires === undefined || this.check(t.requires))
      .map((t) => t.choice);
  }

  /** Takes a choice. Returns the step taken, or null when the choice is not available. */
  advance(choice: string): StoryStep | null {
    const from = lookupNode(this.nodes, this.currentId);
    const transition = from.transitions.find((t) => t.choice === choice);
    if (transition === undefined) return null;
    if (transition.requires !== undefined && !this.check(transition.requires)) return null;
    const to = lookupNode(this.nodes, transition.to);
    const elapsed = round1(this.clock() - this.enteredAt);

    if (transition.outcome === 'fail') {
      logEvent('quest:fail', { quest: from.id, choice, to: to.id, elapsed }, { kind: 'player', level: 'warn', source: 'story' });
    } else if (transition.outcome === 'complete') {
      logEvent('quest:complete', { quest: from.id, choice, to: to.id, elapsed }, { kind: 'player', source: 'story' });
    }

    this.currentId = to.id;
    this.enteredAt = this.clock();
    this.visited.push(to.id);
    if (this.visited.length > MAX_VISITED) this.visited.splice(0, this.visited.length - MAX_VISITED);

    logEvent('quest:start', { quest: to.id, title: to.title, via: choice }, { kind: 'player', source: 'story' });
    return { from: from.id, choice, to: to.id, outcome: transition.outcome };
  }

  /** Back to the start node without logging a transition (used for a fresh run). */
  reset(): void {
    this.currentId = this.startId;
    this.enteredAt = this.clock();
    this.visited = [this.startId];
    logEvent('quest:start', { quest: this.startId, title: lookupNode(this.nodes, this.startId).title }, { kind: 'player', source: 'story' });
  }

  /** The label of a choice from the current node (for the dialog box). */
  label(choice: string): string {
    return lookupNode(this.nodes, this.currentId).transitions.find((t) => t.choice === choice)?.label ?? choice;
  }

  /** Looks a node up; throws on an unknown id (a bug in the graph). */
  node(id: string): StoryNode {
    return lookupNode(this.nodes, id);
  }
}

function lookupNode(nodes: Readonly<Record<string, StoryNode>>, id: string): StoryNode {
  const node = nodes[id];
  if (node === undefined) throw new RangeError(`StoryGraph: unknown node "${id}"`);
  return node;
}
