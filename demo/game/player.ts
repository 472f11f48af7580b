/**
 * The Player agent: driven by the keyboard (arrows/WASD, E to talk), the
 * pointer (click to walk, click an NPC to talk to them), or the autopilot,
 * which plays by itself until the user touches a key.
 */
import type { Autopilot } from './autopilot';
import { round2 } from './map';
import { logEvent } from './trace';
import type { AgentHost, Facing, PlayerIntent, PlayerView, Point } from './types';

export interface PlayerHost extends AgentHost {
  findPath(from: Point, to: Point): Point[];
  /** Starts an interaction with an NPC id, 'chest', 'gate' or 'warden'. */
  interactWith(target: string): Promise<string>;
  /** Picks a choice in the open dialog. */
  chooseDialog(choice: string): string | null;
}

/** How long the autopilot stays off after the user takes control (ms). */
export const MANUAL_GRACE_MS = 4000;

export class Player {
  readonly name = 'Hero';
  x: number;
  y: number;
  path: Point[] = [];
  facing: Facing = 'down';
  moving = false;
  /** Tiles per second. */
  speed = 3.4;
  /** Where the current path leads and why. */
  target: Point | null = null;
  targetReason = '';
  /** An NPC (or object) to talk to on arrival, after a click. */
  pendingInteract: string | null = null;
  /** Game times (s) of the last sword swing and the last hit taken. */
  swingAt = -10;
  swingAngle = 0;
  hurtAt = -10;
  lastIntent = 'idle';
  /** The last enemy struck and the last source of healing (for inspection). */
  lastTarget = '';
  lastHealSource = '';

  autopilotEnabled = true;
  /** performance.now() until which the autopilot yields to the user. */
  manualUntil = 0;
  readonly autopilot: Autopilot;
  private readonly host: PlayerHost;

  constructor(host: PlayerHost, autopilot: Autopilot, start: Point) {
    this.host = host;
    this.autopilot = autopilot;
    this.x = start.x;
    this.y = start.y;
  }

  /** True when the autopilot is driving right now. */
  get autopiloting(): boolean {
    return this.autopilotEnabled && performance.now() >= this.manualUntil;
  }

  /** Called every tick (10 Hz): decides what to do and starts doing it. */
  tick(view: PlayerView): PlayerIntent {
    let intent: PlayerIntent;
    if (this.autopiloting) {
      intent = this.autopilot.next(view, this);
    } else if (this.pendingInteract !== null && this.path.length === 0) {
      intent = { kind: 'interact', target: this.pendingInteract };
      this.pendingInteract = null;
    } else {
      intent = { kind: 'manual' };
    }
    applyIntent(this, intent);
    return intent;
  }

  /** Walks to a point along a path around walls. Returns the number of steps. */
  moveTo(x: number, y: number, reason = 'move'): number {
    const to = { x, y };
    this.path = this.host.findPath({ x: this.x, y: this.y }, to);
    this.target = this.path.length > 0 ? to : null;
    this.targetReason = reason;
    return this.path.length;
  }

  stop(): void {
    this.path = [];
    this.target = null;
  }

  interact(target: string): Promise<string> {
    return this.host.interactWith(target);
  }

  choose(choice: string): string | null {
    return this.host.chooseDialog(choice);
  }

  /** Swings the sword at an enemy. Returns the damage dealt. */
  attack(enemyId: string, at: Point): number {
    this.swingAt = this.host.gameTime;
    this.swingAngle = Math.atan2(at.y - this.y, at.x - this.x);
    this.facing = facingFrom(at.x - this.x, at.y - this.y, this.facing);
    const sword = this.host.state.get<number>('player.sword') ?? 1;
    this.lastTarget = enemyId;
    return sword;
  }

  /** Loses hit points. Returns the hit points left. */
  takeDamage(amount: number, source: string): number {
    const state = this.host.state;
    const hp = Math.max(0, (state.get<number>('player.hp') ?? 0) - amount);
    state.set('player.hp', hp);
    this.hurtAt = this.host.gameTime;
    if (hp === 0) {
      logEvent('player:death', { source, x: round2(this.x), y: round2(this.y) }, { kind: 'player', level: 'warn', source: 'player' });
    }
    return hp;
  }

  /** Gains hit points, up to the maximum. Returns the hit points now. */
  heal(amount: number, source: string): number {
    const state = this.host.state;
    const max = state.get<number>('player.maxHp') ?? 10;
    const hp = Math.min(max, (state.get<number>('player.hp') ?? 0) + amount);
    state.set('player.hp', hp);
    this.lastHealSource = source;
    return hp;
  }

  /** Drinks a potion from the inventory (+5 hp). False when there is none. */
  usePotion(): boolean {
    const state = this.host.state;
    const inventory = state.get<string[]>('inventory') ?? [];
    const index = inventory.indexOf('potion');
    if (index < 0) return false;
    state.set('inventory', inventory.filter((_, i) => i !== index));
    state.set('stats.potionsUsed', (state.get<number>('stats.potionsUsed') ?? 0) + 1);
    this.heal(5, 'potion');
    logEvent('item:use', { item: 'potion' }, { kind: 'player', source: 'player' });
    return true;
  }

  /** Turns the autopilot on or off (the checkbox). */
  setAutopilot(on: boolean): boolean {
    this.autopilotEnabled = on;
    if (on) this.manualUntil = 0;
    logEvent('autopilot:' + (on ? 'on' : 'off'), {}, { kind: 'player', source: 'player' });
    return on;
  }

  /** The user pressed a key or clicked: the autopilot yields for a few seconds. */
  takeControl(reason: string): number {
    this.manualUntil = performance.now() + MANUAL_GRACE_MS;
    this.stop();
    logEvent('autopilot:yield', { reason, ms: MANUAL_GRACE_MS }, { kind: 'player', source: 'player' });
    return MANUAL_GRACE_MS;
  }
}

/** Carries out an intent (module function: the agent calls stay the public ones). */
function applyIntent(player: Player, intent: PlayerIntent): void {
  player.lastIntent = intent.kind === 'goto' ? `goto:${intent.reason}` : intent.kind;
  switch (intent.kind) {
    case 'goto': {
      const t = player.target;
      const moved = t === null || Math.hypot(t.x - intent.to.x, t.y - intent.to.y) > 0.6;
      if (moved || player.path.length === 0) {
        if (Math.hypot(player.x - intent.to.x, player.y - intent.to.y) > 0.15) {
          player.moveTo(intent.to.x, intent.to.y, intent.reason);
        }
      }
      break;
    }
    case 'interact':
      player.stop();
      player.interact(intent.target).catch(() => undefined);
      break;
    case 'choose':
      player.choose(intent.choice);
      break;
    case 'use':
      player.usePotion();
      break;
    case 'idle':
      if (player.path.length > 0 && player.targetReason !== 'wander') player.stop();
      break;
    case 'manual':
      break;
  }
}

export function facingFrom(dx: number, dy: number, fallback: Facing): Facing {
  if (Math.abs(dx) < 1e-6 && Math.abs(dy) < 1e-6) return fallback;
  if (Math.abs(dx) > Math.abs(dy)) return dx > 0 ? 'right' : 'left';
  return dy > 0 ? 'down' : 'up';
}
