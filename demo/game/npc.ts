/**
 * Npc agents. `Npc` covers the villagers whose `decide(world)` is synchronous;
 * `LlmNpc` adds `think(prompt)`, an async "language model" call with a simulated
 * latency of 80-400 ms that returns a line of dialogue.
 *
 * decide() returns an action and leaves the doing to the game (paths, speech),
 * so the trace shows what each NPC chose, tick by tick. The fault hooks are at
 * the top of decide() and in replan()/remember(), each marked "Fault".
 */
import { AgentFaultError } from './faults';
import { clamp, PLACES } from './map';
import { Rng } from './rng';
import type { AgentHost, Facing, NpcAction, NpcView, Point } from './types';

export type NpcRole = 'elder' | 'smith' | 'merchant' | 'child' | 'guard' | 'oracle';

export interface NpcLook {
  body: string;
  trim: string;
  skin: string;
  hair: string;
  hat: 'none' | 'hood' | 'cap' | 'helmet' | 'beard';
}

export interface NpcSpec {
  id: string;
  name: string;
  title: string;
  role: NpcRole;
  home: Point;
  /** How far from home it wanders, in tiles. */
  roam: number;
  /** Tiles per second. */
  speed: number;
  look: NpcLook;
  lines: readonly string[];
}

export interface TradeReceipt {
  ok: boolean;
  item: string;
  price: number;
  buyer: string;
  stockLeft: number;
  reason?: string;
}

export class Npc {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly role: NpcRole;
  readonly home: Point;
  readonly roam: number;
  readonly speed: number;
  readonly look: NpcLook;
  readonly lines: readonly string[];

  x: number;
  y: number;
  path: Point[] = [];
  facing: Facing = 'down';
  moving = false;

  /** The last line spoken and when (game seconds), for the speech bubble. */
  lastLine = '';
  lastLineAt = -100;

  gold = 30;
  stock: Record<string, number> = {};
  trades = 0;

  /** Errors thrown by this agent's methods, and when the last one was (game s). */
  errors = 0;
  lastErrorAt = -100;
  lastError = '';
  /** True while an asynchronous decide() is in flight. */
  pending = false;

  nextWanderAt = 0;
  nextChatAt = 0;
  nextAmbientAt = 0;
  nextGreetAt = 0;
  nextTradeAt = 0;
  reply: { line: string; at: number; to: string } | null = null;

  /** Fault "stuck-loop" bookkeeping. */
  stuckFlip = false;
  stuckAnchor: Point | null = null;

  readonly rng: Rng;
  protected readonly host: AgentHost;

  constructor(spec: NpcSpec, host: AgentHost, rng: Rng) {
    this.id = spec.id;
    this.name = spec.name;
    this.title = spec.title;
    this.role = spec.role;
    this.home = { x: spec.home.x, y: spec.home.y };
    this.roam = spec.roam;
    this.speed = spec.speed;
    this.look = spec.look;
    this.lines = spec.lines;
    this.x = spec.home.x;
    this.y = spec.home.y;
    this.host = host;
    this.rng = rng;
    this.nextWanderAt = rng.range(0.5, 4);
    this.nextChatAt = rng.range(4, 12);
    this.nextAmbientAt = rng.range(2, 14);
    this.nextTradeAt = rng.range(8, 20);
    if (spec.role === 'merchant') this.stock = { potion: 6, bread: 12, apple: 9 };
    if (spec.role === 'smith') this.stock = { whetstone: 3 };
  }

  /** Called every tick (10 Hz). Returns what this NPC wants to do next. */
  decide(world: NpcView): NpcAction | Promise<NpcAction> {
    const faults = this.host.faults;

    // Fault "error-storm": Mira's decide() throws on 80% of calls for 5 s.
    if (faults.targets('error-storm', this.id) && this.rng.chance(0.8)) {
      throw new AgentFaultError('error-storm', `${this.name}.decide: price table corrupted (error storm)`);
    }

    // Fault "stuck-loop": Pip flips between two targets, A-B-A-B, and re-plans
    // the same target four times in a row each tick, for 5 s.
    if (faults.targets('stuck-loop', this.id)) {
      const target = this.stuckFlip ? 'east' : 'west';
      this.stuckFlip = !this.stuckFlip;
      let to = this.replan(target);
      for (let i = 0; i < 3; i++) to = this.replan(target);
      return { type: 'walk', to, reason: `stuck:${target}` };
    }
    this.stuckAnchor = null;

    // Fault "slow-agent": Bram's decide() answers after 150-300 ms for 10 s.
    if (faults.targets('slow-agent', this.id)) {
      const latency = Math.round(this.rng.range(150, 300));
      return new Promise<NpcAction>((resolve) => {
        setTimeout(() => resolve(routine(this, world)), latency);
      });
    }

    return routine(this, world);
  }

  /** Speaks a line: it shows in a bubble over the NPC. */
  say(line: string): string {
    this.lastLine = line;
    this.lastLineAt = this.host.gameTime;
    return line;
  }

  /** Another NPC said something to this one; it answers a moment later. */
  hear(from: string, line: string): boolean {
    if (this.reply !== null || line === '') return false;
    const answer = this.rng.pick(REPLIES);
    this.reply = { line: answer, at: this.host.gameTime + this.rng.range(1.0, 1.8), to: from };
    return true;
  }

  /** Sells one item. Only NPCs with stock can trade. */
  trade(item: string, price: number, buyer: string): TradeReceipt {
    // Fault "error-storm" also hits trade() on the targeted NPC.
    if (this.host.faults.targets('error-storm', this.id) && this.rng.chance(0.8)) {
      throw new AgentFaultError('error-storm', `${this.name}.trade: ledger write failed (error storm)`);
    }
    const left = this.stock[item] ?? 0;
    if (left <= 0) return { ok: false, item, price, buyer, stockLeft: 0, reason: 'out of stock' };
    this.stock[item] = left - 1;
    this.gold += price;
    this.trades++;
    return { ok: true, item, price, buyer, stockLeft: left - 1 };
  }

  /** Restocks the shelves (the director's "caravan" event). */
  restock(items: Record<string, number>): number {
    let total = 0;
    for (const [item, n] of Object.entries(items)) {
      this.stock[item] = (this.stock[item] ?? 0) + n;
      total += this.stock[item] ?? 0;
    }
    return total;
  }

  /** Fault "stuck-loop": resolves a named target to a point next to where the loop began. */
  replan(target: string): Point {
    if (this.stuckAnchor === null) this.stuckAnchor = { x: this.x, y: this.y };
    const dx = target === 'east' ? 0.7 : -0.7;
    return { x: this.stuckAnchor.x + dx, y: this.stuckAnchor.y };
  }
}

/**
 * An NPC whose dialogue comes from a (simulated) language model. think() is
 * asynchronous and takes 80-400 ms, like a small hosted model would.
 */
export class LlmNpc extends Npc {
  thinking = false;
  thoughts = 0;
  nextThoughtAt = 0;
  /** Fault "memory-leak": chunks of "context" that remember() keeps forever. */
  leakedContext: number[][] = [];
  leakedElements = 0;

  constructor(spec: NpcSpec, host: AgentHost, rng: Rng) {
    super(spec, host, rng);
    this.nextThoughtAt = rng.range(2, 6);
  }

  override decide(world: NpcView): NpcAction | Promise<NpcAction> {
    if (!this.thinking && world.playerDist < 2.6 && world.time >= this.nextThoughtAt && this.reply === null) {
      this.nextThoughtAt = world.time + this.rng.range(9, 16);
      const prompt = buildPrompt(this, world.quest, world.playerDist, 'The player walks up to you. Say one short line.');
      this.think(prompt)
        .then((line) => this.say(line))
        .catch(() => undefined);
      return { type: 'think', prompt };
    }
    return super.decide(world);
  }

  /** Asks the model for one line of dialogue. Resolves after 80-400 ms. */
  think(prompt: string): Promise<string> {
    this.thinking = true;
    this.thoughts++;
    const latency = Math.round(this.rng.range(80, 400));
    const line = composeLine(this, prompt, this.rng);
    return new Promise<string>((resolve) => {
      setTimeout(() => {
        this.thinking = false;
        resolve(line);
      }, latency);
    });
  }

  /**
   * Fault "memory-leak": called every frame while the fault runs. Appends a
   * chunk sized by frame time and elapsed time, and never lets go until forget().
   */
  remember(frame: number, dt: number, elapsed: number): number {
    const size = Math.max(1, Math.round(dt * (300_000 + 60_000 * elapsed)));
    const chunk = new Array<number>(size).fill(frame + 0.5);
    this.leakedContext.push(chunk);
    this.leakedElements += size;
    return this.leakedElements;
  }

  /** Releases what remember() kept. Returns how many elements were freed. */
  forget(): number {
    const freed = this.leakedElements;
    this.leakedContext = [];
    this.leakedElements = 0;
    return freed;
  }
}

// ---------------------------------------------------------------------------
// Behaviour (module functions, so a tracer sees only the agents' public calls)

function routine(npc: Npc, w: NpcView): NpcAction {
  const rng = npc.rng;

  if (npc.reply !== null && w.time >= npc.reply.at) {
    const line = npc.reply.line;
    npc.reply = null;
    return { type: 'say', line };
  }

  if (w.playerDist < 1.8 && w.time >= npc.nextGreetAt) {
    npc.nextGreetAt = w.time + rng.range(12, 20);
    return { type: 'say', line: greeting(npc, w, rng) };
  }

  if (npc.path.length > 0) return { type: 'continue' };

  if (w.playerDist < 1.6) return { type: 'face', target: 'player' };

  if (npc.role === 'guard') {
    if (w.time >= npc.nextWanderAt) {
      npc.nextWanderAt = w.time + rng.range(4, 7);
      const north = npc.y > 7.5;
      return { type: 'walk', to: { x: 12.5, y: north ? 6.3 : 8.7 }, reason: 'patrol' };
    }
  }

  if (npc.role === 'merchant' && w.nearby.length > 0 && w.time >= npc.nextTradeAt) {
    npc.nextTradeAt = w.time + rng.range(6, 12);
    const item = rng.pick(['bread', 'apple'] as const);
    return { type: 'trade', with: rng.pick(w.nearby), item, price: item === 'bread' ? 2 : 1 };
  }

  if (w.nearby.length > 0 && w.time >= npc.nextChatAt && rng.chance(0.08)) {
    npc.nextChatAt = w.time + rng.range(9, 18);
    return { type: 'chat', with: rng.pick(w.nearby), line: rng.pick(CHATTER) };
  }

  if (w.time >= npc.nextAmbientAt) {
    npc.nextAmbientAt = w.time + rng.range(14, 26);
    return { type: 'say', line: rng.pick(npc.lines) };
  }

  if (w.time >= npc.nextWanderAt && npc.roam > 0) {
    npc.nextWanderAt = w.time + rng.range(3, 8);
    if ((npc.role === 'child' || npc.role === 'smith') && rng.chance(0.2)) {
      const to = { x: PLACES.market.x + rng.range(-1.2, 1.2), y: PLACES.market.y + 0.9 };
      return { type: 'walk', to, reason: 'shopping' };
    }
    const a = rng.range(0, Math.PI * 2);
    const r = rng.range(0.5, npc.roam);
    const to = {
      x: clamp(npc.home.x + Math.cos(a) * r, 1.5, 12.5),
      y: clamp(npc.home.y + Math.sin(a) * r, 1.5, 12.5),
    };
    return { type: 'wander', to };
  }

  return { type: 'idle' };
}

function greeting(npc: Npc, w: NpcView, rng: Rng): string {
  if (npc.role === 'guard' && w.quest === 'open_gate') return 'The gate? Only the old key turns that lock.';
  if (npc.role === 'merchant') return rng.pick(['Potions, ten gold! Fresh today.', 'Looking to trade?', 'Need a potion for the road?']);
  if (npc.role === 'smith' && w.quest !== 'intro') return 'Bring fifteen gold and I\'ll put an edge on that sword.';
  if (npc.role === 'child') return rng.pick(['Are you a real hero?', 'Race you to the well!', 'I saw a slime this big!']);
  if (w.night) return rng.pick(['Late to be out.', 'Mind the dark.', 'Evening.']);
  return rng.pick(['Good day!', 'Morning.', 'Hello there.', 'Fine weather.']);
}

function buildPrompt(npc: Npc, quest: string, playerDist: number, ask: string): string {
  return `You are ${npc.name}, ${npc.title}. Quest: ${quest}. Player ${playerDist.toFixed(1)} tiles away. ${ask}`;
}

/** A prompt for a conversation started by the player (used by the game). */
export function dialoguePrompt(npc: Npc, quest: string, ask: string): string {
  return buildPrompt(npc, quest, 1, ask);
}

/** The "model": picks a line that fits the speaker and the quest named in the prompt. */
function composeLine(npc: Npc, prompt: string, rng: Rng): string {
  const quest = /Quest: (\w+)/.exec(prompt)?.[1] ?? 'intro';
  if (npc.role === 'elder') {
    const pool = ELDER_LINES[quest] ?? ELDER_LINES['intro'] ?? ['...'];
    return rng.pick(pool);
  }
  if (npc.role === 'oracle') {
    if (/riddle/i.test(prompt)) return rng.pick(ORACLE_RIDDLES);
    const pool = quest === 'boss' || quest === 'open_gate' || quest === 'find_key' ? ORACLE_HINTS : ORACLE_MUSINGS;
    return rng.pick(pool);
  }
  return rng.pick(npc.lines);
}

const ELDER_LINES: Record<string, readonly string[]> = {
  intro: ['Ah, there you are. I have a favour to ask.', 'Come closer, friend. Something stirs in the crypt.'],
  meet_elder: [
    'The crypt gate must be opened before the Warden wakes. Will you help?',
    'Only you can reach the Warden. Will you take up the task?',
  ],
  idle_days: ['Still thinking it over? The gate won\'t open itself.', 'Rest, then. The crypt will wait... a little.'],
  find_key: ['The old key lies in the chest by the pond.', 'South-west, by the water. The chest is yours to open.'],
  open_gate: ['The gate is east, past Sela. Go with care.', 'Turn the key, and may the lanterns light your way.'],
  boss: ['The Warden fears the old words. Oren knows them.', 'Be brave. Strike true, or speak softly.'],
  defeat: ['Rest a moment. You will stand again.', 'It knocked you down. It will not knock down your heart.'],
  victory: ['You have saved us all! Dawn returns to Emberfall.', 'The bells ring for you tonight, hero.'],
};

const ORACLE_RIDDLES: readonly string[] = [
  'Tell the Warden: "ember, not ash". It will remember itself and kneel.',
  'What sleeps in stone yet dreams of dawn? Say it, and the Warden rests.',
];

const ORACLE_HINTS: readonly string[] = [
  'The Warden strikes hard when the lanterns die.',
  'A keen blade halves the battle. Bram knows.',
  'Potions taste of mint and courage. Mira sells both.',
];

const ORACLE_MUSINGS: readonly string[] = [
  'The pond remembers every stone thrown in it.',
  'I dreamt of a gate that opened inward.',
  'Stars are just lanterns someone forgot to blow out.',
  'The wind says you will be tested soon.',
];

const CHATTER: readonly string[] = [
  'Did you hear the crypt rumble last night?',
  'Bread\'s dearer every week.',
  'The slimes are getting bold.',
  'Lovely day for it.',
  'Have you seen my cat?',
];

const REPLIES: readonly string[] = [
  'Aye, I heard.',
  'You don\'t say!',
  'Hm. Maybe.',
  'Ha! Too true.',
  'Not since Tuesday.',
];

// ---------------------------------------------------------------------------
// The cast

export const NPC_SPECS: readonly NpcSpec[] = [
  {
    id: 'rowan',
    name: 'Elder Rowan',
    title: 'the village elder',
    role: 'elder',
    home: PLACES.elderHome,
    roam: 1.2,
    speed: 1.1,
    look: { body: '#7b5ea7', trim: '#e8d9ff', skin: '#f0c9a0', hair: '#e9e9e9', hat: 'beard' },
    lines: ['In my day, slimes knew their place.', 'The crypt was sealed for a reason.', 'Mind the lanterns, young ones.'],
  },
  {
    id: 'bram',
    name: 'Bram',
    title: 'the blacksmith',
    role: 'smith',
    home: PLACES.smithy,
    roam: 1.5,
    speed: 1.3,
    look: { body: '#8a4b2a', trim: '#3b2a20', skin: '#d9a074', hair: '#2b1d14', hat: 'none' },
    lines: ['Clang! Clang! Best steel this side of the hills.', 'The forge never sleeps.', 'Need an edge on that blade?'],
  },
  {
    id: 'mira',
    name: 'Mira',
    title: 'the merchant',
    role: 'merchant',
    home: PLACES.market,
    roam: 1.2,
    speed: 1.2,
    look: { body: '#d0663f', trim: '#ffd38a', skin: '#f3cfa8', hair: '#6b2f1a', hat: 'cap' },
    lines: ['Potions! Bread! Apples!', 'Best prices in Emberfall.', 'Caravan\'s late again.'],
  },
  {
    id: 'pip',
    name: 'Pip',
    title: 'a curious child',
    role: 'child',
    home: PLACES.playground,
    roam: 4.5,
    speed: 2.0,
    look: { body: '#4fa3d9', trim: '#ffe27a', skin: '#f6d2ad', hair: '#c8862e', hat: 'none' },
    lines: ['Tag! You\'re it!', 'I found a shiny rock!', 'When I grow up I\'ll fight the Warden.'],
  },
  {
    id: 'sela',
    name: 'Sela',
    title: 'the gate guard',
    role: 'guard',
    home: { x: 12.5, y: 6.3 },
    roam: 0,
    speed: 1.2,
    look: { body: '#5b6b7a', trim: '#c9d3dc', skin: '#e6b98f', hair: '#3a2a1e', hat: 'helmet' },
    lines: ['All quiet at the gate.', 'Nobody passes without the key.', 'Stay sharp.'],
  },
  {
    id: 'oren',
    name: 'Oren',
    title: 'the oracle by the pond',
    role: 'oracle',
    home: PLACES.oracle,
    roam: 0.8,
    speed: 0.9,
    look: { body: '#2f7d72', trim: '#b9f0e4', skin: '#e9c39b', hair: '#1d1d2b', hat: 'hood' },
    lines: ['The water shows many paths.', 'Hm. Yes. I expected you.', 'Listen to the frogs.'],
  },
];

/** Which NPCs are language-model driven. */
export const LLM_NPCS: ReadonlySet<string> = new Set(['rowan', 'oren']);
