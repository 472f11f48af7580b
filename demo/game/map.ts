/** The world: a 20 x 14 tile village with a walled dungeon to the east. */

export const TILE = 32;
export const COLS = 20;
export const ROWS = 14;

export interface Point {
  x: number;
  y: number;
}

/**
 * Legend: T tree, . grass, , flowers, = path, ~ water, # stone wall, G gate,
 * d dungeon floor, o pillar, B building, S market stall, W well.
 */
const LAYOUT: readonly string[] = [
  'TTTTTTTTTTTTT#######',
  'T...,....T...#ddddd#',
  'T.BBB...BBB..#ddddd#',
  'T.BBB...BBB.,#dodod#',
  'T..=.....=...#ddddd#',
  'T..=======...#ddddd#',
  'T.,...=.....T#ddddd#',
  'T.....======.Gddddd#',
  'T.,...=W.....#ddddd#',
  'T.....=.SSS..#dodod#',
  'T.....=......#ddddd#',
  'T.~~~.=..,...#ddddd#',
  'T.~~~.=....T.#ddddd#',
  'TTTTTTTTTTTTT#######',
];

export type Tile = 'T' | '.' | ',' | '=' | '~' | '#' | 'G' | 'd' | 'o' | 'B' | 'S' | 'W';

const SOLID: ReadonlySet<Tile> = new Set<Tile>(['T', '~', '#', 'o', 'B', 'S', 'W']);

/** Named places the agents and the autopilot refer to (tile-centre coordinates). */
export const PLACES = {
  elderHome: { x: 3.5, y: 4.6 },
  smithy: { x: 9.5, y: 4.6 },
  anvil: { x: 11.4, y: 4.4 },
  well: { x: 7.5, y: 8.5 },
  market: { x: 9.5, y: 10.5 },
  oracle: { x: 5.5, y: 11.2 },
  playground: { x: 4.5, y: 7.5 },
  gateOutside: { x: 12.5, y: 7.5 },
  gate: { x: 13.5, y: 7.5 },
  chest: { x: 1.5, y: 12.5 },
  bossLair: { x: 16.5, y: 4.5 },
  spawn: { x: 6.5, y: 6.5 },
  respawn: { x: 7.5, y: 9.5 },
} as const satisfies Record<string, Point>;

export const LANTERNS: readonly Point[] = [
  { x: 5.5, y: 4.2 },
  { x: 11.5, y: 6.2 },
  { x: 5.2, y: 9.2 },
  { x: 11.6, y: 10.6 },
];

export const TORCHES: readonly Point[] = [
  { x: 14.5, y: 0.85 },
  { x: 18.5, y: 0.85 },
  { x: 14.5, y: 13.15 },
  { x: 18.5, y: 13.15 },
];

export class TileMap {
  readonly cols = COLS;
  readonly rows = ROWS;
  private readonly tiles: Tile[];
  gateOpen = false;

  constructor() {
    this.tiles = [];
    for (let y = 0; y < ROWS; y++) {
      const row = LAYOUT[y] ?? '';
      for (let x = 0; x < COLS; x++) {
        this.tiles.push((row[x] ?? 'T') as Tile);
      }
    }
  }

  tile(x: number, y: number): Tile {
    if (x < 0 || y < 0 || x >= COLS || y >= ROWS) return '#';
    return this.tiles[y * COLS + x] ?? '#';
  }

  passable(tx: number, ty: number): boolean {
    const t = this.tile(tx, ty);
    if (t === 'G') return this.gateOpen;
    return !SOLID.has(t);
  }

  /** Whether a circle of `radius` tiles centred at (x, y) is free of solid tiles. */
  free(x: number, y: number, radius = 0.28): boolean {
    const x0 = Math.floor(x - radius);
    const x1 = Math.floor(x + radius);
    const y0 = Math.floor(y - radius);
    const y1 = Math.floor(y + radius);
    for (let ty = y0; ty <= y1; ty++) {
      for (let tx = x0; tx <= x1; tx++) {
        if (!this.passable(tx, ty)) return false;
      }
    }
    return true;
  }

  inDungeon(p: Point): boolean {
    return p.x >= 14;
  }

  /** The passable tile nearest to a point (breadth-first from the point's tile). */
  nearestPassable(p: Point): Point {
    const sx = clampInt(Math.floor(p.x), 0, COLS - 1);
    const sy = clampInt(Math.floor(p.y), 0, ROWS - 1);
    if (this.passable(sx, sy)) return { x: sx + 0.5, y: sy + 0.5 };
    const seen = new Uint8Array(COLS * ROWS);
    const queue: number[] = [sy * COLS + sx];
    seen[sy * COLS + sx] = 1;
    for (let head = 0; head < queue.length; head++) {
      const idx = queue[head] ?? 0;
      const x = idx % COLS;
      const y = (idx - x) / COLS;
      if (this.passable(x, y)) return { x: x + 0.5, y: y + 0.5 };
      for (const [dx, dy] of DIRS4) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= COLS || ny >= ROWS) continue;
        const n = ny * COLS + nx;
        if (seen[n] === 1) continue;
        seen[n] = 1;
        queue.push(n);
      }
    }
    return { x: PLACES.spawn.x, y: PLACES.spawn.y };
  }

  /**
   * Shortest path over the tile grid (8 directions, no corner cutting) from one
   * point to another, as a list of waypoints ending at `to`. Empty if unreachable.
   */
  findPath(from: Point, to: Point): Point[] {
    const start = this.nearestPassable(from);
    const goal = this.nearestPassable(to);
    const sx = Math.floor(start.x);
    const sy = Math.floor(start.y);
    const gx = Math.floor(goal.x);
    const gy = Math.floor(goal.y);
    const startIdx = sy * COLS + sx;
    const goalIdx = gy * COLS + gx;
    if (startIdx === goalIdx) return [to];
    const prev = new Int16Array(COLS * ROWS).fill(-1);
    prev[startIdx] = startIdx;
    const queue: number[] = [startIdx];
    let found = false;
    for (let head = 0; head < queue.length && !found; head++) {
      const idx = queue[head] ?? 0;
      const x = idx % COLS;
      const y = (idx - x) / COLS;
      for (const [dx, dy] of DIRS8) {
        const nx = x + dx;
        const ny = y + dy;
        if (!this.passable(nx, ny)) continue;
        if (dx !== 0 && dy !== 0 && (!this.passable(x + dx, y) || !this.passable(x, y + dy))) continue;
        const n = ny * COLS + nx;
        if ((prev[n] ?? -1) !== -1) continue;
        prev[n] = idx;
        if (n === goalIdx) {
          found = true;
          break;
        }
        queue.push(n);
      }
    }
    if (!found) return [];
    const cells: Point[] = [];
    for (let idx = goalIdx; idx !== startIdx; idx = prev[idx] ?? startIdx) {
      const x = idx % COLS;
      cells.push({ x: x + 0.5, y: (idx - x) / COLS + 0.5 });
    }
    cells.reverse();
    // End on the exact target when it is free, not just on its tile's centre.
    if (this.free(to.x, to.y)) cells[cells.length - 1] = { x: to.x, y: to.y };
    return cells;
  }

  /** Breadth-first distance (in steps) from a point to every tile; -1 where unreachable. */
  distanceField(from: Point): Int16Array {
    const dist = new Int16Array(COLS * ROWS).fill(-1);
    const s = this.nearestPassable(from);
    const startIdx = Math.floor(s.y) * COLS + Math.floor(s.x);
    dist[startIdx] = 0;
    const queue: number[] = [startIdx];
    for (let head = 0; head < queue.length; head++) {
      const idx = queue[head] ?? 0;
      const x = idx % COLS;
      const y = (idx - x) / COLS;
      const d = dist[idx] ?? 0;
      for (const [dx, dy] of DIRS4) {
        const nx = x + dx;
        const ny = y + dy;
        if (!this.passable(nx, ny)) continue;
        const n = ny * COLS + nx;
        if ((dist[n] ?? 0) !== -1) continue;
        dist[n] = d + 1;
        queue.push(n);
      }
    }
    return dist;
  }
}

const DIRS4: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];

const DIRS8: ReadonlyArray<readonly [number, number]> = [
  ...DIRS4,
  [1, 1],
  [1, -1],
  [-1, 1],
  [-1, -1],
];

export function clampInt(v: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(v)));
}

export function clamp(v: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, v));
}

export function dist(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** Rounded for what an agent sees or logs, so traces stay short. */
export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
