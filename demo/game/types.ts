/** Types shared by the agents. Type-only: no runtime code lives here. */
import type { FaultController } from './faults';
import type { Point, TileMap } from './map';
import type { StateManager } from './state-manager';

export type { Point };

/** What an NPC sees each tick: small on purpose, since a tracer records it. */
export interface NpcView {
  tick: number;
  /** Game time in seconds. */
  time: number;
  player: Point;
  playerDist: number;
  quest: string;
  night: boolean;
  /** Ids of the other NPCs within a few tiles. */
  nearby: string[];
}

export type NpcAction =
  | { type: 'idle' }
  | { type: 'continue' }
  | { type: 'wander'; to: Point }
  | { type: 'walk'; to: Point; reason: string }
  | { type: 'face'; target: string }
  | { type: 'say'; line: string }
  | { type: 'chat'; with: string; line: string }
  | { type: 'trade'; with: string; item: string; price: number }
  | { type: 'think'; prompt: string };

/** The part of the game the agents may reach. Implemented by Game. */
export interface AgentHost {
  readonly faults: FaultController;
  readonly state: StateManager;
  readonly map: TileMap;
  /** Game time in seconds (scaled by the speed control). */
  readonly gameTime: number;
  readonly frameCount: number;
}

export type Facing = 'up' | 'down' | 'left' | 'right';

export type EnemyKind = 'slime' | 'warden';
export type EnemyMode = 'sleeping' | 'active' | 'calm' | 'dead';

export interface Enemy {
  id: string;
  kind: EnemyKind;
  x: number;
  y: number;
  vx: number;
  vy: number;
  hp: number;
  maxHp: number;
  /** Tiles per second. */
  speed: number;
  mode: EnemyMode;
  /** Game times (s) of the last hit taken, last attack, spawn, next wander turn. */
  hurtAt: number;
  attackAt: number;
  bornAt: number;
  wanderAt: number;
}

export type PickupKind = 'coin' | 'heart';

export interface Pickup {
  id: string;
  kind: PickupKind;
  x: number;
  y: number;
  value: number;
  bornAt: number;
}

export interface DialogChoice {
  id: string;
  label: string;
}

export interface Dialog {
  speaker: string;
  line: string;
  choices: DialogChoice[];
  /** Game time (s) at which it opened. */
  openedAt: number;
}

/** What the player agent sees each tick (kept small: a tracer records it). */
export interface PlayerView {
  tick: number;
  time: number;
  quest: string;
  hp: number;
  gold: number;
}

export type PlayerIntent =
  | { kind: 'idle'; reason: string }
  | { kind: 'manual' }
  | { kind: 'goto'; to: Point; reason: string }
  | { kind: 'interact'; target: string }
  | { kind: 'choose'; choice: string }
  | { kind: 'use'; item: 'potion' };
