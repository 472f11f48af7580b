/**
 * The autopilot: plays the game with no input at all, so the trace fills by
 * itself. It reads the game (never writes it) and returns one intent per tick,
 * which the Player agent carries out.
 */
import type { TileMap } from './map';
import { dist, PLACES } from './map';
import type { Npc } from './npc';
import type { Player } from './player';
import { Rng } from './rng';
import type { StateManager } from './state-manager';
import type { StoryGraph } from './story-graph';
import type { Dialog, Enemy, Pickup, PlayerIntent, PlayerView, Point } from './types';

export interface AutopilotHost {
  readonly state: StateManager;
  readonly story: StoryGraph;
  readonly npcs: readonly Npc[];
  readonly enemies: readonly Enemy[];
  readonly boss: Enemy;
  readonly pickups: readonly Pickup[];
  readonly dialog: Dialog | null;
  /** An interaction (dialogue, trade) is in flight. */
  readonly busy: boolean;
  readonly map: TileMap;
}

const TALK_RANGE = 1.4;

export class Autopilot {
  refusedOnce = false;
  wantsRiddle = false;
  wantsParley: boolean | null = null;
  errands: string[] = [];
  lastInteract: Record<string, number> = {};
  wanderAt = 0;
  wanderTo: Point = { x: PLACES.well.x, y: PLACES.well.y + 1 };
  /** What it is doing, for the panel. */
  status = 'starting';
  readonly host: AutopilotHost;
  readonly rng: Rng;

  constructor(host: AutopilotHost, rng: Rng) {
    this.host = host;
    this.rng = rng;
    this.reset();
  }

  /** New run: forget what was done, roll a new temperament. */
  reset(): void {
    this.refusedOnce = this.rng.chance(0.65);
    this.wantsRiddle = this.rng.chance(0.5);
    this.wantsParley = null;
    this.errands = [];
    this.lastInteract = {};
  }

  next(view: PlayerView, player: Player): PlayerIntent {
    const intent = decideIntent(this, view, player);
    this.status =
      intent.kind === 'goto' ? intent.reason : intent.kind === 'idle' ? intent.reason : intent.kind === 'interact' ? `talk:${intent.target}` : intent.kind;
    return intent;
  }
}

function decideIntent(ap: Autopilot, view: PlayerView, player: Player): PlayerIntent {
  const host = ap.host;
  const rng = ap.rng;
  const s = host.state.data;
  const me: Point = { x: player.x, y: player.y };
  const quest = host.story.currentId;
  const t = view.time;
  const potions = s.inventory.filter((i) => i === 'potion').length;
  const inDungeon = host.map.inDungeon(me);

  const dialog = host.dialog;
  if (dialog !== null && dialog.choices.length > 0) {
    if (t - dialog.openedAt < 1.8) return { kind: 'idle', reason: 'reading' };
    const ids = dialog.choices.map((c) => c.id);
    let choice = ids[0] ?? 'accept';
    if (ids.includes('refuse') && !ap.refusedOnce) {
      ap.refusedOnce = true;
      choice = 'refuse';
      ap.errands = ['mira', 'oren', 'bram'].filter(() => rng.chance(0.7)).slice(0, 2);
    } else if (ids.includes('accept')) {
      choice = 'accept';
    }
    return { kind: 'choose', choice };
  }
  if (host.busy) return { kind: 'idle', reason: 'talking' };

  if (s.player.hp <= s.player.maxHp * 0.45 && potions > 0) return { kind: 'use', item: 'potion' };

  // Fight whatever is close.
  let nearest: Enemy | null = null;
  let nearestD = 3.2;
  for (const e of host.enemies) {
    if (e.mode !== 'active') continue;
    const d = dist(me, e);
    if (d < nearestD) {
      nearest = e;
      nearestD = d;
    }
  }
  if (nearest !== null) return { kind: 'goto', to: { x: nearest.x, y: nearest.y }, reason: 'fight' };

  // Grab loot that is near.
  for (const p of host.pickups) {
    if (p.kind === 'heart' && s.player.hp >= s.player.maxHp) continue;
    if (dist(me, p) < 3.5) return { kind: 'goto', to: { x: p.x, y: p.y }, reason: 'loot' };
  }

  // Out of potions and hurt: shop.
  if (!inDungeon && s.player.hp <= s.player.maxHp * 0.5 && potions === 0 && s.player.gold >= 10) {
    return visit(ap, host, me, t, 'mira', 'shop');
  }

  switch (quest) {
    case 'intro':
    case 'meet_elder':
      return visit(ap, host, me, t, 'rowan', 'elder');
    case 'idle_days': {
      const errand = ap.errands[0];
      if (errand !== undefined) {
        const intent = visit(ap, host, me, t, errand, 'errand');
        if (intent.kind === 'interact') ap.errands.shift();
        return intent;
      }
      return visit(ap, host, me, t, 'rowan', 'elder');
    }
    case 'find_key':
      if (ap.wantsRiddle && s.flags['riddle'] !== true) return visit(ap, host, me, t, 'oren', 'riddle');
      return reach(ap, me, t, 'chest', PLACES.chest, 0.6, 'key');
    case 'open_gate': {
      const waited = t - host.story.enteredAt;
      if (waited < 40) {
        if (s.player.sword < 2 && s.player.gold >= 15) return visit(ap, host, me, t, 'bram', 'sharpen');
        if (potions < 2 && s.player.gold >= 10) return visit(ap, host, me, t, 'mira', 'potions');
      }
      return reach(ap, me, t, 'gate', PLACES.gateOutside, 0.4, 'gate');
    }
    case 'boss': {
      // Beaten before in this run: get ready in the village first (for a while).
      const waited = t - host.story.enteredAt;
      if (!inDungeon && s.stats.deaths > 0 && waited < 45) {
        if (s.player.sword < 2) {
          if (s.player.gold >= 15) return visit(ap, host, me, t, 'bram', 'sharpen');
          return wander(ap, me, t, rng, 'farm');
        }
        if (potions < 2 && s.player.gold >= 10) return visit(ap, host, me, t, 'mira', 'potions');
      }
      if (ap.wantsParley === null) ap.wantsParley = s.flags['riddle'] === true && rng.chance(0.6);
      const boss = host.boss;
      if (ap.wantsParley && s.flags['riddle'] === true && boss.mode !== 'dead') {
        if (dist(me, boss) <= 1.9) return once(ap, t, 'warden', 3);
        return { kind: 'goto', to: { x: boss.x - 1.2, y: boss.y }, reason: 'parley' };
      }
      if (boss.mode === 'active' || boss.mode === 'sleeping') return { kind: 'goto', to: { x: boss.x, y: boss.y }, reason: 'boss' };
      return { kind: 'idle', reason: 'waiting' };
    }
    default:
      return wander(ap, me, t, rng);
  }
}

function visit(ap: Autopilot, host: AutopilotHost, me: Point, t: number, npcId: string, reason: string): PlayerIntent {
  const npc = host.npcs.find((n) => n.id === npcId);
  if (npc === undefined) return { kind: 'idle', reason: `no ${npcId}` };
  const d = dist(me, npc);
  if (d <= TALK_RANGE) return once(ap, t, npcId, 5);
  // Stop a step short, on the side we come from.
  const k = Math.min(1, 0.9 / Math.max(d, 0.001));
  const to = { x: npc.x + (me.x - npc.x) * k, y: npc.y + (me.y - npc.y) * k };
  return { kind: 'goto', to, reason };
}

function reach(ap: Autopilot, me: Point, t: number, target: string, at: Point, range: number, reason: string): PlayerIntent {
  if (dist(me, at) <= range) return once(ap, t, target, 2.5);
  return { kind: 'goto', to: { x: at.x, y: at.y }, reason };
}

/** Interacts with a target unless it did so within the last `cooldown` seconds. */
function once(ap: Autopilot, t: number, target: string, cooldown: number): PlayerIntent {
  const last = ap.lastInteract[target] ?? -1e9;
  if (t - last < cooldown) return { kind: 'idle', reason: 'waiting' };
  ap.lastInteract[target] = t;
  return { kind: 'interact', target };
}

function wander(ap: Autopilot, me: Point, t: number, rng: Rng, reason = 'wander'): PlayerIntent {
  if (t >= ap.wanderAt) {
    ap.wanderAt = t + rng.range(3, 6);
    ap.wanderTo = { x: rng.range(3, 11), y: rng.range(5.5, 10.5) };
  }
  if (dist(me, ap.wanderTo) < 0.3) return { kind: 'idle', reason: 'resting' };
  return { kind: 'goto', to: ap.wanderTo, reason };
}
