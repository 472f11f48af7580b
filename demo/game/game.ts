/**
 * Game: owns the agents and runs them. A requestAnimationFrame loop moves
 * things every frame and runs the agents on a fixed 10 Hz tick:
 *
 *   player.tick(view)        the player (keyboard, pointer or autopilot)
 *   npc.decide(view)         each NPC, sync or async (LlmNpc.think)
 *   state.update(...)        tick and player position into the StateManager
 *   director.plan(summary)   once a second: pacing, spawns, day/night, weather
 *   story.advance(choice)    when a quest step is done
 *
 * The agents are plain objects at fixed paths (game.story, game.state,
 * game.npcs[i], game.director, game.player) that are never replaced, and the
 * game always reaches them through those paths, so a tracer may wrap them.
 */
import { Autopilot, type AutopilotHost } from './autopilot';
import { Director, type DirectorInput, type DirectorPlan } from './director';
import { FaultController, isFaultId, type FaultId } from './faults';
import { clamp, dist, PLACES, round1, round2, TileMap, type Point } from './map';
import { dialoguePrompt, LlmNpc, LLM_NPCS, Npc, NPC_SPECS } from './npc';
import { facingFrom, MANUAL_GRACE_MS, Player, type PlayerHost } from './player';
import { Renderer } from './render';
import { Rng } from './rng';
import { initialState, StateManager } from './state-manager';
import { StoryGraph } from './story-graph';
import { logEvent } from './trace';
import type { AgentHost, Dialog, Enemy, Facing, NpcAction, NpcView, Pickup } from './types';

export interface GameOptions {
  /** Seed for every random choice in the game (default: random). */
  seed?: number;
}

export interface Toast {
  text: string;
  at: number;
}

/** Logic ticks per game second. */
export const TICK_RATE = 10;
const TICK = 1 / TICK_RATE;
/** Event flood: flood.tick events per real second. */
const FLOOD_RATE = 20_000;
/** State thrash: StateManager.set calls per real second. */
const THRASH_RATE = 400;

interface Mover {
  x: number;
  y: number;
  path: Point[];
  speed: number;
  facing: Facing;
  moving: boolean;
}

export class Game implements AgentHost, PlayerHost, AutopilotHost {
  // The agents (hooked by path: game.story, game.state, game.npcs, game.director, game.player).
  story: StoryGraph;
  state: StateManager;
  npcs: Npc[];
  director: Director;
  player: Player;

  readonly map: TileMap;
  readonly faults: FaultController;
  readonly seed: number;
  readonly canvas: HTMLCanvasElement;

  enemies: Enemy[] = [];
  boss: Enemy;
  pickups: Pickup[] = [];
  dialog: Dialog | null = null;
  busy = false;
  toasts: Toast[] = [];
  clickMarker: { x: number; y: number; at: number } | null = null;

  /** Game seconds since start (scaled by `speed`). */
  gameTime = 0;
  frameCount = 0;
  tickCount = 0;
  /** Game speed multiplier (0.5, 1, 2 ...). */
  speed = 1;
  fps = 60;
  agentErrors = 0;

  private readonly rng: Rng;
  private readonly renderer: Renderer;
  private readonly keys = new Set<string>();
  private readonly cleanups: Array<() => void> = [];
  private readonly rafCallback: FrameRequestCallback;
  private rafId = 0;
  private isRunning = false;
  private lastNow = 0;
  private accumulator = 0;
  private nextId = 1;
  private floodCarry = 0;
  private thrashCarry = 0;

  constructor(canvas: HTMLCanvasElement, options: GameOptions = {}) {
    this.canvas = canvas;
    this.seed = options.seed ?? Math.floor(Math.random() * 0xffffffff) >>> 0;
    const root = new Rng(this.seed);
    this.rng = root.fork('game');
    this.map = new TileMap();
    this.faults = new FaultController();

    this.state = new StateManager(initialState(1));
    this.story = new StoryGraph(
      (requirement) => this.checkRequirement(requirement),
      () => this.gameTime,
    );
    this.npcs = NPC_SPECS.map((spec) =>
      LLM_NPCS.has(spec.id) ? new LlmNpc(spec, this, root.fork(spec.id)) : new Npc(spec, this, root.fork(spec.id)),
    );
    this.director = new Director(this, root.fork('director'));
    this.player = new Player(this, new Autopilot(this, root.fork('autopilot')), PLACES.spawn);
    this.boss = makeBoss();

    this.renderer = new Renderer(canvas);
    this.rafCallback = (now) => this.frame(now);
    this.faults.onEnd((id) => this.faultEnded(id));
    this.bindInput();
    this.renderer.draw(this, performance.now(), true);
  }

  /** True while the loop runs. */
  get running(): boolean {
    return this.isRunning;
  }

  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.lastNow = 0;
    if (this.frameCount === 0) {
      this.story.reset();
      logEvent('game:start', { seed: this.seed, npcs: this.npcs.length }, { kind: 'system', source: 'game' });
    } else {
      logEvent('game:resume', {}, { kind: 'system', source: 'game' });
    }
    this.rafId = requestAnimationFrame(this.rafCallback);
  }

  stop(): void {
    if (!this.isRunning) return;
    this.isRunning = false;
    cancelAnimationFrame(this.rafId);
    logEvent('game:stop', { tick: this.tickCount }, { kind: 'system', source: 'game' });
    this.renderer.draw(this, performance.now(), true);
  }

  /** Removes the input listeners and stops the loop. */
  dispose(): void {
    this.stop();
    for (const fn of this.cleanups.splice(0)) fn();
  }

  setSpeed(multiplier: number): number {
    this.speed = clamp(multiplier, 0.25, 4);
    return this.speed;
  }

  /** Starts a fault by id (see FAULTS in faults.ts). Returns false for an unknown id. */
  injectFault(id: string): boolean {
    if (!isFaultId(id)) return false;
    this.faults.trigger(id);
    return true;
  }

  /** One animation frame: movement, faults, fixed ticks, drawing. */
  frame(now: number): void {
    if (!this.isRunning) return;
    this.rafId = requestAnimationFrame(this.rafCallback);
    const realDt = this.lastNow === 0 ? 1 / 60 : clamp((now - this.lastNow) / 1000, 0, 0.25);
    this.lastNow = now;
    if (realDt > 0) this.fps += (1 / realDt - this.fps) * 0.08;
    this.frameCount++;
    const dt = realDt * this.speed;
    this.gameTime += dt;

    try {
      this.runFrameFaults(realDt, now);
    } catch (err) {
      console.error('fault step failed', err);
    }

    updateMovement(this, dt);

    this.accumulator += dt;
    let ticks = 0;
    while (this.accumulator >= TICK && ticks < 5) {
      this.accumulator -= TICK;
      ticks++;
      try {
        this.tick();
      } catch (err) {
        console.error('tick failed', err);
      }
    }
    if (ticks === 5) this.accumulator = 0;

    try {
      this.renderer.draw(this, now, false);
    } catch (err) {
      console.error('draw failed', err);
    }
  }

  /** One logic tick (10 per game second). */
  tick(): void {
    this.tickCount++;
    const t = this.gameTime;
    const s = this.state.data;
    this.map.gateOpen = s.flags['gateOpen'] === true;

    try {
      this.player.tick({
        tick: this.tickCount,
        time: round1(t),
        quest: this.story.currentId,
        hp: s.player.hp,
        gold: s.player.gold,
      });
    } catch (err) {
      console.error('player.tick failed', err);
    }

    for (let i = 0; i < this.npcs.length; i++) {
      const npc = this.npcs[i];
      if (npc !== undefined && !npc.pending) this.runNpc(npc);
    }

    updateEnemies(this, this.rng);
    this.resolveCombat();
    this.collectPickups();

    this.state.update({ tick: this.tickCount, player: { x: round2(this.player.x), y: round2(this.player.y) } });

    if (this.tickCount % TICK_RATE === 0) this.runDirector();
    this.advanceStoryTimers();
  }

  // -------------------------------------------------------------------------
  // NPCs

  private runNpc(npc: Npc): void {
    const view = npcView(this, npc);
    let result: NpcAction | Promise<NpcAction>;
    try {
      result = npc.decide(view);
    } catch (err) {
      this.noteAgentError(npc, err);
      return;
    }
    if (isPromiseLike(result)) {
      npc.pending = true;
      Promise.resolve(result)
        .then((action) => this.applyNpcAction(npc, action))
        .catch((err: unknown) => this.noteAgentError(npc, err))
        .finally(() => {
          npc.pending = false;
        });
    } else {
      this.applyNpcAction(npc, result);
    }
  }

  private applyNpcAction(npc: Npc, action: NpcAction): void {
    switch (action.type) {
      case 'wander':
      case 'walk':
        npc.path = this.map.findPath({ x: npc.x, y: npc.y }, action.to);
        break;
      case 'face':
        npc.facing = facingFrom(this.player.x - npc.x, this.player.y - npc.y, npc.facing);
        break;
      case 'say':
        npc.say(action.line);
        break;
      case 'chat': {
        const other = this.npcById(action.with);
        npc.say(action.line);
        if (other !== undefined) {
          npc.facing = facingFrom(other.x - npc.x, other.y - npc.y, npc.facing);
          other.hear(npc.id, action.line);
        }
        break;
      }
      case 'trade': {
        const buyer = this.npcById(action.with);
        if (buyer === undefined) break;
        try {
          const receipt = npc.trade(action.item, action.price, buyer.id);
          if (receipt.ok) {
            buyer.gold -= action.price;
            npc.say(`One ${action.item} for ${buyer.name}. ${action.price} gold!`);
            buyer.hear(npc.id, `thanks for the ${action.item}`);
          }
        } catch (err) {
          this.noteAgentError(npc, err);
        }
        break;
      }
      case 'idle':
      case 'continue':
      case 'think':
        break;
    }
  }

  private noteAgentError(npc: Npc, err: unknown): void {
    npc.errors++;
    npc.lastErrorAt = this.gameTime;
    npc.path = [];
    npc.lastError = err instanceof Error ? err.message : String(err);
    this.agentErrors++;
  }

  npcById(id: string): Npc | undefined {
    return this.npcs.find((n) => n.id === id);
  }

  // -------------------------------------------------------------------------
  // Director

  private runDirector(): void {
    const s = this.state.data;
    const input: DirectorInput = {
      tick: this.tickCount,
      time: round1(this.gameTime),
      hp: s.player.hp,
      maxHp: s.player.maxHp,
      gold: s.player.gold,
      quest: this.story.currentId,
      enemies: this.enemies.length,
      coins: this.pickups.filter((p) => p.kind === 'coin').length,
      difficulty: s.world.difficulty,
      timeOfDay: s.world.time,
      weather: s.world.weather,
      player: { x: round2(this.player.x), y: round2(this.player.y) },
      inDungeon: this.map.inDungeon(this.player),
    };
    let plan: DirectorPlan;
    try {
      plan = this.director.plan(input);
    } catch (err) {
      console.error('director.plan failed', err);
      return;
    }
    this.applyPlan(plan);
  }

  private applyPlan(plan: DirectorPlan): void {
    const state = this.state;
    const world = state.data.world;
    if (plan.difficulty !== world.difficulty) state.set('world.difficulty', plan.difficulty);
    if (plan.timeOfDay !== world.time) {
      state.set('world.time', plan.timeOfDay);
      if (!this.faults.isActive('state-thrash')) state.set('world.lanterns', plan.timeOfDay === 'night');
      if (plan.timeOfDay === 'day') state.set('world.day', world.day + 1);
    }
    if (plan.weather !== world.weather) state.set('world.weather', plan.weather);
    for (const order of plan.spawns) {
      if (order.kind === 'slime') this.spawnSlime(order);
      else this.spawnPickup(order.kind, order, order.kind === 'coin' ? this.rng.int(2, 5) : 3);
    }
    if (plan.restock) {
      this.npcById('mira')?.restock({ potion: 3, bread: 6, apple: 6 });
      this.npcById('bram')?.restock({ whetstone: 1 });
    }
    if (plan.event !== null) this.toast(plan.event);
  }

  spawnSlime(at: Point): Enemy {
    const difficulty = this.state.data.world.difficulty;
    const enemy: Enemy = {
      id: `slime-${this.nextId++}`,
      kind: 'slime',
      x: at.x,
      y: at.y,
      vx: 0,
      vy: 0,
      hp: difficulty >= 1.5 ? 3 : 2,
      maxHp: difficulty >= 1.5 ? 3 : 2,
      speed: 1.0 + 0.35 * difficulty,
      mode: 'active',
      hurtAt: -10,
      attackAt: this.gameTime,
      bornAt: this.gameTime,
      wanderAt: 0,
    };
    this.enemies.push(enemy);
    return enemy;
  }

  spawnPickup(kind: Pickup['kind'], at: Point, value: number): Pickup {
    const pickup: Pickup = { id: `${kind}-${this.nextId++}`, kind, x: at.x, y: at.y, value, bornAt: this.gameTime };
    this.pickups.push(pickup);
    return pickup;
  }

  // -------------------------------------------------------------------------
  // Combat and pickups

  private resolveCombat(): void {
    const t = this.gameTime;
    const player = this.player;
    const boss = this.boss;

    if (this.story.currentId === 'boss' && boss.mode === 'sleeping' && this.map.inDungeon(player)) {
      boss.mode = 'active';
      boss.attackAt = t;
      this.toast('The Gloom Warden awakens!');
    }

    if (t - player.swingAt >= 0.45) {
      let target: Enemy | null = null;
      let best = Infinity;
      for (const e of this.enemies) {
        const d = dist(player, e);
        if (e.mode === 'active' && d < 1.05 && d < best) {
          target = e;
          best = d;
        }
      }
      if (target === null && boss.mode === 'active' && dist(player, boss) < 1.45) target = boss;
      if (target !== null) {
        const damage = player.attack(target.id, { x: target.x, y: target.y });
        target.hp -= damage;
        target.hurtAt = t;
        if (target.kind === 'slime') {
          const d = Math.max(0.001, dist(player, target));
          const kx = ((target.x - player.x) / d) * 0.35;
          const ky = ((target.y - player.y) / d) * 0.35;
          if (this.map.free(target.x + kx, target.y + ky)) {
            target.x += kx;
            target.y += ky;
          }
        }
        if (target.hp <= 0) this.defeatEnemy(target);
      }
    }

    const difficulty = this.state.data.world.difficulty;
    for (const e of this.enemies) {
      if (e.mode !== 'active' || t - e.attackAt < 1.1 || dist(player, e) > 0.7) continue;
      e.attackAt = t;
      if (player.takeDamage(1, e.kind) === 0) return this.playerDown(e.kind);
    }
    if (boss.mode === 'active' && t - boss.attackAt >= 1.3 && dist(player, boss) < 1.3) {
      boss.attackAt = t;
      const night = this.state.data.world.time === 'night';
      const damage = difficulty >= 1.5 || night ? 3 : 2;
      if (player.takeDamage(damage, 'warden') === 0) this.playerDown('warden');
    }
  }

  private defeatEnemy(enemy: Enemy): void {
    const state = this.state;
    state.set('stats.kills', state.data.stats.kills + 1);
    if (enemy.kind === 'slime') {
      this.enemies = this.enemies.filter((e) => e !== enemy);
      if (this.rng.chance(0.7)) this.spawnPickup('coin', enemy, this.rng.int(2, 4));
      return;
    }
    enemy.mode = 'dead';
    state.set('flags.bossDefeated', true);
    logEvent('enemy:defeated', { enemy: enemy.id }, { kind: 'player', source: 'game' });
    this.story.advance('win');
    this.toast('The Gloom Warden falls!');
  }

  private playerDown(cause: string): void {
    const state = this.state;
    const quest = this.story.currentId;
    const deaths = state.data.stats.deaths + 1;
    if (quest === 'boss') {
      // Back to the checkpoint taken at the gate (items, flags), keeping the gold earned since.
      const gold = state.data.player.gold;
      this.story.advance('fall');
      state.restore();
      state.set('stats.deaths', deaths);
      state.set('player.gold', Math.max(gold, state.data.player.gold));
      this.boss = makeBoss(deaths);
    } else {
      state.set('stats.deaths', deaths);
      state.set('player.gold', Math.floor(state.data.player.gold / 2));
    }
    state.set('player.hp', state.data.player.maxHp);
    this.player.x = PLACES.respawn.x;
    this.player.y = PLACES.respawn.y;
    this.player.stop();
    this.enemies = [];
    this.toast(cause === 'warden' ? 'The Warden strikes you down...' : 'You black out, and wake by the well.');
  }

  private collectPickups(): void {
    const player = this.player;
    const t = this.gameTime;
    const kept: Pickup[] = [];
    for (const p of this.pickups) {
      if (dist(player, p) < 0.6) {
        if (p.kind === 'coin') this.state.set('player.gold', this.state.data.player.gold + p.value);
        else player.heal(p.value, 'herb');
        logEvent('item:pickup', { item: p.kind, value: p.value }, { kind: 'player', source: 'game' });
      } else if (t - p.bornAt < 45) {
        kept.push(p);
      }
    }
    this.pickups = kept;
  }

  // -------------------------------------------------------------------------
  // Story

  private checkRequirement(requirement: string): boolean {
    const [kind, name] = requirement.split(':');
    if (kind === 'item') return (this.state.get<string[]>('inventory') ?? []).includes(name ?? '');
    if (kind === 'flag') return this.state.get<boolean>(`flags.${name ?? ''}`) === true;
    return false;
  }

  private advanceStoryTimers(): void {
    const quest = this.story.currentId;
    const inNode = this.gameTime - this.story.enteredAt;
    if (quest === 'defeat' && inNode >= 3.5) {
      this.story.advance('retry');
      this.boss = makeBoss(this.state.data.stats.deaths);
    } else if (quest === 'victory' && inNode >= 8) {
      this.newRun();
    }
  }

  /** Starts a new run of the story (after a victory, or from the panel). */
  newRun(): void {
    const run = this.state.data.stats.runs + 1;
    this.state.reset(run);
    if (this.story.currentId === 'victory') this.story.advance('new_game');
    else this.story.reset();
    this.map.gateOpen = false;
    this.enemies = [];
    this.pickups = [];
    this.boss = makeBoss();
    this.dialog = null;
    this.busy = false;
    this.player.x = PLACES.spawn.x;
    this.player.y = PLACES.spawn.y;
    this.player.stop();
    this.player.autopilot.reset();
    this.npcById('mira')?.restock({ potion: 2 });
    this.npcById('bram')?.restock({ whetstone: 1 });
    logEvent('game:run', { run, seed: this.seed }, { kind: 'system', source: 'game' });
    this.toast(`A new tale begins (run ${run})`);
  }

  toast(text: string): void {
    this.toasts.push({ text, at: this.gameTime });
    if (this.toasts.length > 4) this.toasts.shift();
  }

  // -------------------------------------------------------------------------
  // Interactions (called through the Player agent)

  async interactWith(target: string): Promise<string> {
    if (this.busy) return 'busy';
    const me: Point = { x: this.player.x, y: this.player.y };
    const quest = this.story.currentId;
    const state = this.state;

    if (target === 'chest') {
      if (dist(me, PLACES.chest) > 1.4) return 'too far';
      if (state.data.flags['chestOpened'] === true) {
        this.toast('The chest is empty.');
        return 'empty';
      }
      if (quest !== 'find_key') {
        this.toast('An old locked chest. Perhaps the Elder knows of it.');
        return 'locked';
      }
      state.set('flags.chestOpened', true);
      state.set('inventory', [...state.data.inventory, 'key']);
      this.toast('You found the Old Key!');
      this.story.advance('found_key');
      state.checkpoint('key');
      return 'key';
    }

    if (target === 'gate') {
      if (dist(me, PLACES.gate) > 1.7) return 'too far';
      if (this.map.gateOpen) return 'open';
      if (quest !== 'open_gate' || !state.data.inventory.includes('key')) {
        this.toast('The iron gate is locked tight.');
        return 'locked';
      }
      state.set('flags.gateOpen', true);
      this.map.gateOpen = true;
      this.director.rebuildSpawnMap(me);
      this.toast('The gate creaks open...');
      this.story.advance('open');
      state.checkpoint('before boss');
      return 'opened';
    }

    if (target === 'warden') {
      if (quest !== 'boss' || dist(me, this.boss) > 2.5 || this.boss.mode === 'dead') return 'no';
      if (state.data.flags['riddle'] !== true) {
        this.toast('The Warden does not listen.');
        return 'ignored';
      }
      this.boss.mode = 'calm';
      this.toast('"Ember, not ash." The Warden kneels.');
      this.story.advance('parley');
      return 'parley';
    }

    const npc = this.npcById(target);
    if (npc === undefined) return 'nobody';
    if (dist(me, npc) > 2.3) return 'too far';
    npc.facing = facingFrom(me.x - npc.x, me.y - npc.y, npc.facing);
    this.player.facing = facingFrom(npc.x - me.x, npc.y - me.y, this.player.facing);
    npc.nextGreetAt = this.gameTime + 12;
    npc.path = [];

    this.busy = true;
    try {
      return await this.talkTo(npc, quest);
    } catch (err) {
      this.noteAgentError(npc, err);
      return 'error';
    } finally {
      this.busy = false;
    }
  }

  private async talkTo(npc: Npc, quest: string): Promise<string> {
    const state = this.state;
    const s = state.data;
    switch (npc.role) {
      case 'elder': {
        if (isLlmNpc(npc)) npc.say(await npc.think(dialoguePrompt(npc, quest, 'The player greets you.')));
        if (quest === 'intro') this.story.advance('talk_elder');
        else if (quest === 'idle_days') this.story.advance('reconsider');
        if (this.story.currentId === 'meet_elder') this.openChoices(npc);
        return 'talked';
      }
      case 'oracle': {
        const riddle = ['find_key', 'open_gate', 'boss', 'defeat'].includes(quest);
        const ask = riddle ? 'The player asks for the riddle of the Warden.' : 'The player asks for wisdom.';
        if (isLlmNpc(npc)) npc.say(await npc.think(dialoguePrompt(npc, quest, ask)));
        if (riddle && s.flags['riddle'] !== true) {
          state.set('flags.riddle', true);
          this.toast("You learned the Warden's riddle");
        }
        return riddle ? 'riddle' : 'talked';
      }
      case 'merchant': {
        if (s.player.gold < 10) {
          npc.say('Ten gold a potion, friend. Come back with coin.');
          return 'poor';
        }
        const sold = this.sell(npc, 'potion', 10, 'Sold out! The caravan comes soon.', () => {
          state.set('inventory', [...s.inventory, 'potion']);
          npc.say('One potion. Drink it when it hurts.');
          this.toast('Bought a potion (-10 gold)');
        });
        return sold ? 'bought' : 'sold out';
      }
      case 'smith': {
        if (s.player.sword >= 2 || s.player.gold < 15) {
          npc.say(s.player.sword >= 2 ? 'That edge will hold. Go get them.' : 'Fifteen gold and I\'ll sharpen that sword.');
          return 'talked';
        }
        const sold = this.sell(npc, 'whetstone', 15, 'Out of whetstones, sorry.', () => {
          state.set('player.sword', 2);
          npc.say('There. Sharp enough to split a shadow.');
          this.toast('Sword sharpened: double damage');
        });
        return sold ? 'sharpened' : 'sold out';
      }
      default:
        npc.say(npc.lines[this.rng.int(0, npc.lines.length - 1)] ?? 'Hello.');
        return 'talked';
    }
  }

  /** A sale at an NPC's counter: the trade, then the gold, then `deliver`; false when the NPC is sold out. */
  private sell(npc: Npc, item: string, price: number, soldOut: string, deliver: () => void): boolean {
    const receipt = npc.trade(item, price, 'player');
    if (!receipt.ok) {
      npc.say(soldOut);
      return false;
    }
    this.state.set('player.gold', this.state.data.player.gold - price);
    deliver();
    return true;
  }

  private openChoices(npc: Npc): void {
    const node = this.story.node(this.story.currentId);
    this.dialog = {
      speaker: npc.name,
      line: node.objective,
      choices: this.story.available().map((id) => ({ id, label: this.story.label(id) })),
      openedAt: this.gameTime,
    };
  }

  chooseDialog(choice: string): string | null {
    const dialog = this.dialog;
    if (dialog === null || !dialog.choices.some((c) => c.id === choice)) return null;
    this.dialog = null;
    const step = this.story.advance(choice);
    if (step === null) return null;
    const elder = this.npcById('rowan');
    if (choice === 'accept') {
      elder?.say('Bless you. The key lies in the chest by the pond.');
      this.state.checkpoint('accepted');
    } else if (choice === 'refuse') {
      elder?.say('I understand. Come back if you change your mind.');
    }
    return step.to;
  }

  /** The nearest thing the player can talk to or use, if any is in reach. */
  nearestInteractable(): string | null {
    const me = this.player;
    let best: string | null = null;
    let bestD = Infinity;
    const consider = (id: string, p: Point, range: number): void => {
      const d = dist(me, p);
      if (d <= range && d < bestD) {
        best = id;
        bestD = d;
      }
    };
    for (const npc of this.npcs) consider(npc.id, npc, 1.8);
    consider('chest', PLACES.chest, 1.3);
    if (!this.map.gateOpen) consider('gate', PLACES.gate, 1.6);
    if (this.boss.mode === 'active' || this.boss.mode === 'sleeping') consider('warden', this.boss, 2.4);
    return best;
  }

  // -------------------------------------------------------------------------
  // Faults that run every frame

  private runFrameFaults(realDt: number, now: number): void {
    const faults = this.faults;
    faults.poll(now);
    if (faults.isPending('frame-hitch')) this.director.rebuildSpawnMap({ x: this.player.x, y: this.player.y });
    if (faults.isActive('event-flood', now)) {
      this.floodCarry += FLOOD_RATE * realDt;
      const n = Math.floor(this.floodCarry);
      this.floodCarry -= n;
      if (n > 0) this.director.broadcastTelemetry(Math.min(n, 5000), this.frameCount);
    }
    if (faults.isActive('state-thrash', now)) {
      this.thrashCarry += THRASH_RATE * realDt;
      const n = Math.floor(this.thrashCarry);
      this.thrashCarry -= n;
      if (n > 0) this.director.flickerLanterns(n);
    }
    if (faults.isActive('memory-leak', now)) {
      const oren = this.npcById('oren');
      if (oren !== undefined && isLlmNpc(oren)) oren.remember(this.frameCount, realDt, round2(faults.elapsed('memory-leak', now) / 1000));
    }
  }

  private faultEnded(id: FaultId): void {
    if (id === 'memory-leak') {
      const oren = this.npcById('oren');
      if (oren !== undefined && isLlmNpc(oren)) oren.forget();
    } else if (id === 'state-thrash') {
      this.state.set('world.lanterns', this.state.data.world.time === 'night');
      this.thrashCarry = 0;
    } else if (id === 'event-flood') {
      this.floodCarry = 0;
    } else if (id === 'stuck-loop') {
      const pip = this.npcById('pip');
      if (pip !== undefined) pip.path = [];
    }
  }

  // -------------------------------------------------------------------------
  // Input

  private bindInput(): void {
    const onKeyDown = (e: KeyboardEvent): void => this.onKey(e, true);
    const onKeyUp = (e: KeyboardEvent): void => this.onKey(e, false);
    const onBlur = (): void => this.keys.clear();
    const onPointer = (e: PointerEvent): void => this.onPointer(e);
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    window.addEventListener('blur', onBlur);
    this.canvas.addEventListener('pointerdown', onPointer);
    this.cleanups.push(
      () => window.removeEventListener('keydown', onKeyDown),
      () => window.removeEventListener('keyup', onKeyUp),
      () => window.removeEventListener('blur', onBlur),
      () => this.canvas.removeEventListener('pointerdown', onPointer),
    );
  }

  private onKey(e: KeyboardEvent, down: boolean): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (isTypingTarget(e)) return;
    const key = normaliseKey(e.key);
    if (key === null) return;
    if (!down) {
      this.keys.delete(key);
      return;
    }
    if (onPage(e)) e.preventDefault();
    if (key === 'interact') {
      // Space and Enter belong to a focused button or checkbox.
      if (e.repeat || ((e.key === ' ' || e.key === 'Enter') && isControl(e))) return;
      this.yieldToUser('keyboard');
      const target = this.nearestInteractable();
      if (target !== null) this.player.interact(target).catch(() => undefined);
      return;
    }
    if (key.startsWith('choice')) {
      const index = Number(key.slice(6));
      const choice = this.dialog?.choices[index];
      if (choice !== undefined) {
        this.yieldToUser('keyboard');
        this.player.choose(choice.id);
      }
      return;
    }
    this.keys.add(key);
    this.yieldToUser('keyboard');
  }

  private onPointer(e: PointerEvent): void {
    if (e.button !== 0) return;
    const rect = this.canvas.getBoundingClientRect();
    const cssX = ((e.clientX - rect.left) / rect.width) * this.renderer.width;
    const cssY = ((e.clientY - rect.top) / rect.height) * this.renderer.height;
    this.canvas.focus({ preventScroll: true });

    const choice = this.renderer.choiceAt(cssX, cssY);
    if (choice !== null) {
      this.yieldToUser('pointer');
      this.player.choose(choice);
      return;
    }

    const p = this.renderer.toTiles(cssX, cssY);
    this.yieldToUser('pointer');
    this.clickMarker = { x: p.x, y: p.y, at: this.gameTime };
    let target: string | null = null;
    let targetAt: Point = p;
    for (const npc of this.npcs) {
      if (dist(p, { x: npc.x, y: npc.y - 0.3 }) < 0.7) {
        target = npc.id;
        targetAt = npc;
      }
    }
    if (target === null && dist(p, PLACES.chest) < 0.7) {
      target = 'chest';
      targetAt = PLACES.chest;
    } else if (target === null && !this.map.gateOpen && dist(p, PLACES.gate) < 0.8) {
      target = 'gate';
      targetAt = PLACES.gateOutside;
    } else if (target === null && dist(p, this.boss) < 1.0 && this.boss.mode !== 'dead') {
      target = 'warden';
      targetAt = this.boss;
    }
    this.player.pendingInteract = target;
    this.player.moveTo(targetAt.x, targetAt.y, target === null ? 'click' : `click:${target}`);
  }

  /** The user took over: the autopilot yields for a few seconds. */
  private yieldToUser(reason: string): void {
    const player = this.player;
    if (player.autopiloting) player.takeControl(reason);
    else player.manualUntil = performance.now() + MANUAL_GRACE_MS;
  }

  /** The keyboard direction, from the keys held. */
  inputVector(): Point {
    let x = 0;
    let y = 0;
    if (this.keys.has('left')) x -= 1;
    if (this.keys.has('right')) x += 1;
    if (this.keys.has('up')) y -= 1;
    if (this.keys.has('down')) y += 1;
    return { x, y };
  }

  // AgentHost / PlayerHost
  findPath(from: Point, to: Point): Point[] {
    return this.map.findPath(from, to);
  }
}

// ---------------------------------------------------------------------------
// Per-frame helpers (module functions: cheap, and out of the trace)

function updateMovement(game: Game, dt: number): void {
  const player = game.player;
  const input = game.inputVector();
  if (input.x !== 0 || input.y !== 0) {
    player.path = [];
    player.target = null;
    const len = Math.hypot(input.x, input.y);
    const step = player.speed * dt;
    const vx = (input.x / len) * step;
    const vy = (input.y / len) * step;
    if (game.map.free(player.x + vx, player.y)) player.x += vx;
    if (game.map.free(player.x, player.y + vy)) player.y += vy;
    player.facing = facingFrom(input.x, input.y, player.facing);
    player.moving = true;
  } else {
    followPath(player, dt);
  }
  for (const npc of game.npcs) followPath(npc, dt);

  for (const e of game.enemies) stepEnemy(game, e, dt);
  if (game.boss.mode === 'active') stepEnemy(game, game.boss, dt);
}

function followPath(m: Mover, dt: number): void {
  let budget = m.speed * dt;
  m.moving = false;
  while (budget > 0) {
    const next = m.path[0];
    if (next === undefined) return;
    const dx = next.x - m.x;
    const dy = next.y - m.y;
    const d = Math.hypot(dx, dy);
    m.moving = true;
    if (d > 1e-6) m.facing = facingFrom(dx, dy, m.facing);
    if (d <= budget) {
      m.x = next.x;
      m.y = next.y;
      m.path.shift();
      budget -= d;
    } else {
      m.x += (dx / d) * budget;
      m.y += (dy / d) * budget;
      budget = 0;
    }
  }
}

function stepEnemy(game: Game, e: Enemy, dt: number): void {
  const nx = e.x + e.vx * dt;
  const ny = e.y + e.vy * dt;
  const inBounds = (x: number): boolean => e.kind !== 'warden' || (x >= 14.4 && x <= 18.6);
  if (game.map.free(nx, e.y, 0.3) && inBounds(nx)) e.x = nx;
  else e.vx = -e.vx * 0.5;
  if (game.map.free(e.x, ny, 0.3)) e.y = ny;
  else e.vy = -e.vy * 0.5;
}

/** Enemy "AI" for the tick: slimes hunt or wander, the Warden chases in its crypt. */
function updateEnemies(game: Game, rng: Rng): void {
  const t = game.gameTime;
  const player = game.player;
  for (const e of game.enemies) {
    const d = dist(e, player);
    if (d < 5 && d > 0.3) {
      e.vx = ((player.x - e.x) / d) * e.speed;
      e.vy = ((player.y - e.y) / d) * e.speed;
    } else if (d <= 0.3) {
      e.vx = 0;
      e.vy = 0;
    } else if (t >= e.wanderAt) {
      e.wanderAt = t + rng.range(1.5, 3.5);
      const a = rng.range(0, Math.PI * 2);
      const moving = rng.chance(0.6);
      e.vx = moving ? Math.cos(a) * e.speed * 0.4 : 0;
      e.vy = moving ? Math.sin(a) * e.speed * 0.4 : 0;
    }
  }
  const boss = game.boss;
  if (boss.mode === 'active') {
    const target = game.map.inDungeon(player) ? player : PLACES.bossLair;
    const d = dist(boss, target);
    if (d > 0.9) {
      boss.vx = ((target.x - boss.x) / d) * boss.speed;
      boss.vy = ((target.y - boss.y) / d) * boss.speed;
    } else {
      boss.vx = 0;
      boss.vy = 0;
    }
  }
}

function npcView(game: Game, npc: Npc): NpcView {
  const nearby: string[] = [];
  for (const other of game.npcs) {
    if (other !== npc && dist(other, npc) < 2.6) nearby.push(other.id);
  }
  return {
    tick: game.tickCount,
    time: round1(game.gameTime),
    player: { x: round2(game.player.x), y: round2(game.player.y) },
    playerDist: round2(dist(game.player, npc)),
    quest: game.story.currentId,
    night: game.state.data.world.time === 'night',
    nearby,
  };
}

/** The Warden; a little weaker after each defeat in the same run. */
function makeBoss(defeats = 0): Enemy {
  const hp = Math.max(12, 24 - 3 * defeats);
  return {
    id: 'warden',
    kind: 'warden',
    x: PLACES.bossLair.x,
    y: PLACES.bossLair.y,
    vx: 0,
    vy: 0,
    hp,
    maxHp: hp,
    speed: 1.15,
    mode: 'sleeping',
    hurtAt: -10,
    attackAt: 0,
    bornAt: 0,
    wanderAt: 0,
  };
}

function isLlmNpc(npc: Npc): npc is LlmNpc {
  return typeof (npc as Partial<LlmNpc>).think === 'function';
}

function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

type Key = 'left' | 'right' | 'up' | 'down' | 'interact' | `choice${number}`;

function normaliseKey(key: string): Key | null {
  switch (key) {
    case 'ArrowLeft':
    case 'a':
    case 'A':
      return 'left';
    case 'ArrowRight':
    case 'd':
    case 'D':
      return 'right';
    case 'ArrowUp':
    case 'w':
    case 'W':
      return 'up';
    case 'ArrowDown':
    case 's':
    case 'S':
      return 'down';
    case 'e':
    case 'E':
    case ' ':
    case 'Enter':
      return 'interact';
    case '1':
    case '2':
    case '3':
      return `choice${Number(key) - 1}`;
    default:
      return null;
  }
}

function isTypingTarget(e: Event): boolean {
  const el = e.composedPath()[0];
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  return el instanceof HTMLInputElement
    ? el.type !== 'checkbox' && el.type !== 'range' && el.type !== 'button'
    : el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;
}

function isControl(e: Event): boolean {
  const el = e.composedPath()[0];
  return el instanceof HTMLButtonElement || el instanceof HTMLInputElement || el instanceof HTMLAnchorElement;
}

/** Whether the key went to the page itself (so arrows and space should not scroll). */
function onPage(e: Event): boolean {
  const el = e.composedPath()[0];
  return el === document.body || el === document.documentElement || el instanceof HTMLCanvasElement || el === window;
}
