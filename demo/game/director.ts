/**
 * Director agent: paces the game. Once a second the game calls plan() with a
 * summary of the state; the director answers with a plan (difficulty, spawns,
 * day/night, weather, an occasional event) that the game carries out.
 */
import { busyWait } from './faults';
import type { Point } from './map';
import { clamp, COLS, round2, ROWS } from './map';
import { Rng } from './rng';
import type { TimeOfDay, Weather } from './state-manager';
import { logEvent } from './trace';
import type { AgentHost } from './types';

export interface DirectorInput {
  tick: number;
  /** Game time, seconds. */
  time: number;
  hp: number;
  maxHp: number;
  gold: number;
  quest: string;
  enemies: number;
  coins: number;
  difficulty: number;
  timeOfDay: TimeOfDay;
  weather: Weather;
  player: Point;
  inDungeon: boolean;
}

export type SpawnKind = 'slime' | 'coin' | 'heart';

export interface SpawnOrder {
  kind: SpawnKind;
  x: number;
  y: number;
}

export interface DirectorPlan {
  difficulty: number;
  tension: number;
  timeOfDay: TimeOfDay;
  weather: Weather;
  spawns: SpawnOrder[];
  event: string | null;
  restock: boolean;
}

/** Seconds in one day/night cycle, and how much of it is day. */
const DAY_LENGTH = 75;
const DAYLIGHT = 52;

export class Director {
  difficulty = 1;
  tension = 0;
  plans = 0;
  /** Recent events, newest last (at most 12). */
  events: string[] = [];
  floodSeq = 0;
  spawnMap: Int16Array | null = null;
  spawnMapBuiltAt = -1;
  nextWeatherAt: number;
  nextCaravanAt: number;
  readonly rng: Rng;
  private readonly host: AgentHost;

  constructor(host: AgentHost, rng: Rng) {
    this.host = host;
    this.rng = rng;
    this.nextWeatherAt = rng.range(25, 45);
    this.nextCaravanAt = rng.range(40, 70);
  }

  /** Decides the next second of the game. */
  plan(input: DirectorInput): DirectorPlan {
    this.plans++;
    const rng = this.rng;
    const hpRatio = input.maxHp > 0 ? input.hp / input.maxHp : 1;
    let event: string | null = null;

    // Difficulty follows the player: ease off when hurting, push when comfortable.
    let difficulty = input.difficulty;
    if (hpRatio < 0.35) difficulty -= 0.1;
    else if (hpRatio >= 0.99 && input.enemies === 0) difficulty += 0.04;
    difficulty = round2(clamp(difficulty, 0.6, 2));
    this.difficulty = difficulty;

    const tension = Math.min(1, input.enemies * 0.18 + (1 - hpRatio) * 0.6 + (input.quest === 'boss' ? 0.3 : 0));
    this.tension = round2(tension);

    // Day and night.
    const phase = input.time % DAY_LENGTH;
    const timeOfDay: TimeOfDay = phase < DAYLIGHT ? 'day' : 'night';
    if (timeOfDay !== input.timeOfDay) {
      event = timeOfDay === 'night' ? 'Night falls over Emberfall' : 'Morning comes to Emberfall';
    }

    // Weather.
    let weather = input.weather;
    if (input.time >= this.nextWeatherAt) {
      this.nextWeatherAt = input.time + rng.range(25, 50);
      const next: Weather = input.weather === 'rain' ? 'clear' : rng.chance(0.55) ? 'rain' : 'clear';
      if (next !== input.weather) {
        weather = next;
        event ??= next === 'rain' ? 'Rain begins to fall' : 'The rain clears';
      }
    }

    // A caravan restocks the market now and then.
    let restock = false;
    if (input.time >= this.nextCaravanAt) {
      this.nextCaravanAt = input.time + rng.range(50, 80);
      restock = true;
      event ??= "A caravan restocks Mira's stall";
    }

    // Spawns, placed with the spawn map (distances from the player).
    if (this.spawnMap === null || this.plans % 5 === 0) this.rebuildSpawnMap(input.player);
    const spawns: SpawnOrder[] = [];
    const maxEnemies = Math.round(1 + difficulty * 2 + (timeOfDay === 'night' ? 1 : 0));
    const target = 0.3 + 0.15 * difficulty;
    if (!input.inDungeon && input.quest !== 'victory' && input.enemies < maxEnemies && tension < target) {
      if (rng.chance(0.3 * difficulty)) {
        const at = pickSpawnTile(this, 6, 12);
        if (at !== null) {
          spawns.push({ kind: 'slime', ...at });
          if (input.enemies === 0 && rng.chance(0.3)) event ??= 'Slimes stir in the tall grass';
        }
      }
    }
    if (input.coins < 3 && rng.chance(0.3)) {
      const at = pickSpawnTile(this, 3, 14);
      if (at !== null) spawns.push({ kind: 'coin', ...at });
    }
    if (hpRatio < 0.4 && !input.inDungeon && rng.chance(0.2)) {
      const at = pickSpawnTile(this, 2, 6);
      if (at !== null) {
        spawns.push({ kind: 'heart', ...at });
        event ??= 'A healing herb sprouts nearby';
      }
    }

    if (event !== null) {
      this.events.push(event);
      if (this.events.length > 12) this.events.shift();
      logEvent('director:event', { event, difficulty, tension: this.tension }, { kind: 'custom', source: 'director' });
    }
    return { difficulty, tension: this.tension, timeOfDay, weather, spawns, event, restock };
  }

  /**
   * Rebuilds the map of walking distances from the player, used to place spawns
   * away from them. Normally well under a millisecond.
   * Fault "frame-hitch": the rebuild right after the button press blocks the
   * main thread for 250 ms.
   */
  rebuildSpawnMap(from: Point): number {
    if (this.host.faults.consume('frame-hitch')) busyWait(250);
    this.spawnMap = this.host.map.distanceField(from);
    this.spawnMapBuiltAt = this.host.gameTime;
    let reachable = 0;
    for (const d of this.spawnMap) if (d >= 0) reachable++;
    return reachable;
  }

  /**
   * Fault "event-flood": logs `count` flood.tick events through the trace agent.
   * The game calls it every frame with ~20,000 events/s worth of frame time.
   */
  broadcastTelemetry(count: number, frame: number): number {
    for (let i = 0; i < count; i++) {
      const seq = ++this.floodSeq;
      logEvent(
        'flood.tick',
        { seq, frame, i, value: Math.round(Math.sin(seq) * 1000) / 1000 },
        { kind: 'custom', level: 'debug', source: 'director' },
      );
    }
    return count;
  }

  /**
   * Fault "state-thrash": flips world.lanterns on and off `times` times through
   * StateManager.set. The game calls it every frame, ~400 sets a second.
   */
  flickerLanterns(times: number): number {
    let flips = 0;
    for (let i = 0; i < times; i++) {
      const state = this.host.state;
      if (state.set('world.lanterns', !state.data.world.lanterns)) flips++;
    }
    return flips;
  }
}

/** A random village tile whose walking distance from the player is within range. */
function pickSpawnTile(director: Director, minDist: number, maxDist: number): Point | null {
  const map = director.spawnMap;
  if (map === null) return null;
  const candidates: number[] = [];
  for (let i = 0; i < map.length; i++) {
    const d = map[i] ?? -1;
    const x = i % COLS;
    // Village only: spawns never appear inside the crypt.
    if (d >= minDist && d <= maxDist && x <= 12) candidates.push(i);
  }
  if (candidates.length === 0) return null;
  const idx = director.rng.pick(candidates);
  const x = idx % COLS;
  const y = (idx - x) / COLS;
  if (y <= 0 || y >= ROWS - 1) return null;
  return { x: x + 0.5, y: y + 0.5 };
}
