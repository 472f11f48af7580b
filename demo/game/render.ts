/**
 * Canvas renderer. Reads the game (never writes it, never calls an agent
 * method) so drawing adds nothing to the trace. The static map is drawn once
 * per gate state into an offscreen layer; everything else is drawn per frame.
 */
import type { Game } from './game';
import { COLS, LANTERNS, PLACES, ROWS, TILE, TORCHES, type Point, type Tile, type TileMap } from './map';
import type { NpcLook } from './npc';
import type { Enemy, Facing } from './types';

const W = COLS * TILE;
const H = ROWS * TILE;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const PLAYER_LOOK: NpcLook = { body: '#3d6fd1', trim: '#f2c14e', skin: '#f1c7a0', hair: '#5a3a22', hat: 'none' };

interface Drop {
  x: number;
  y: number;
  len: number;
  speed: number;
}

interface Puff {
  x: number;
  y: number;
  r: number;
  age: number;
}

interface Rect {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export class Renderer {
  readonly width = W;
  readonly height = H;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private dpr = 1;
  /** The window's devicePixelRatio when the canvas was last sized (dpr is it clamped). */
  private sizedFor = 0;
  private layers: { open: HTMLCanvasElement | null; closed: HTMLCanvasElement | null } = { open: null, closed: null };
  private readonly light: HTMLCanvasElement;
  private readonly lightCtx: CanvasRenderingContext2D;
  private choiceRects: Rect[] = [];
  private readonly drops: Drop[] = [];
  private readonly smoke: Puff[] = [];
  private nightLevel = 0;
  private rainLevel = 0;
  private lastNow = 0;
  private smokeAt = 0;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('2D canvas is not available');
    this.ctx = ctx;
    this.light = document.createElement('canvas');
    const lightCtx = this.light.getContext('2d');
    if (lightCtx === null) throw new Error('2D canvas is not available');
    this.lightCtx = lightCtx;
    for (let i = 0; i < 110; i++) {
      this.drops.push({ x: Math.random() * W, y: Math.random() * H, len: 6 + Math.random() * 8, speed: 380 + Math.random() * 220 });
    }
    this.resize();
  }

  /** Canvas CSS pixels to tile coordinates. */
  toTiles(x: number, y: number): Point {
    return { x: x / TILE, y: y / TILE };
  }

  /** The dialog choice under a point in CSS pixels, if any. */
  choiceAt(x: number, y: number): string | null {
    for (const r of this.choiceRects) {
      if (x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h) return r.id;
    }
    return null;
  }

  draw(game: Game, now: number, paused: boolean): void {
    if (window.devicePixelRatio !== this.sizedFor) this.resize();
    const dt = this.lastNow === 0 ? 0 : Math.min(0.1, (now - this.lastNow) / 1000);
    this.lastNow = now;
    const ctx = this.ctx;
    const t = game.gameTime;
    const world = game.state.data.world;

    this.nightLevel = approach(this.nightLevel, world.time === 'night' ? 1 : 0, dt * 0.45);
    this.rainLevel = approach(this.rainLevel, world.weather === 'rain' ? 1 : 0, dt * 0.6);

    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.drawImage(this.staticLayer(game.map), 0, 0, W, H);

    drawWater(ctx, game.map, t);
    this.drawSmoke(ctx, dt, now);
    drawTorches(ctx, t);
    drawLanterns(ctx, world.lanterns, t);
    drawChest(ctx, game.state.data.flags['chestOpened'] === true, game.story.currentId === 'find_key', t);
    drawPickups(ctx, game, t);
    drawObjectiveMarker(ctx, game, t);
    drawClickMarker(ctx, game, t);
    this.drawActors(game, t);
    this.drawLighting(game, world.lanterns, t);
    this.drawRain(ctx, dt);
    drawOverheads(ctx, game, t);
    drawHud(ctx, game, t);
    this.choiceRects = drawDialog(ctx, game);
    if (paused) drawPaused(ctx, game.frameCount === 0);
  }

  private resize(): void {
    this.sizedFor = window.devicePixelRatio;
    this.dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    this.canvas.width = Math.round(W * this.dpr);
    this.canvas.height = Math.round(H * this.dpr);
    this.light.width = Math.round(W * this.dpr);
    this.light.height = Math.round(H * this.dpr);
    this.layers = { open: null, closed: null };
  }

  private staticLayer(map: TileMap): HTMLCanvasElement {
    const key = map.gateOpen ? 'open' : 'closed';
    const cached = this.layers[key];
    if (cached !== null) return cached;
    const layer = document.createElement('canvas');
    layer.width = Math.round(W * this.dpr);
    layer.height = Math.round(H * this.dpr);
    const lctx = layer.getContext('2d');
    if (lctx === null) return layer;
    lctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    drawStatic(lctx, map);
    this.layers[key] = layer;
    return layer;
  }

  private drawActors(game: Game, t: number): void {
    const ctx = this.ctx;
    type Item = { y: number; draw: () => void };
    const items: Item[] = [];
    for (const npc of game.npcs) {
      items.push({ y: npc.y, draw: () => drawCharacter(ctx, npc.x, npc.y, npc.look, npc.facing, npc.moving, t, 0) });
    }
    const p = game.player;
    const hurt = t - p.hurtAt < 0.35;
    items.push({
      y: p.y,
      draw: () => {
        drawCharacter(ctx, p.x, p.y, PLAYER_LOOK, p.facing, p.moving, t, hurt ? 1 : 0);
        drawSwing(ctx, p.x, p.y, p.swingAngle, t - p.swingAt);
      },
    });
    for (const e of game.enemies) items.push({ y: e.y, draw: () => drawSlime(ctx, e, t) });
    if (game.boss.mode !== 'dead') items.push({ y: game.boss.y, draw: () => drawWarden(ctx, game.boss, t) });
    items.sort((a, b) => a.y - b.y);
    for (const item of items) item.draw();
  }

  private drawSmoke(ctx: CanvasRenderingContext2D, dt: number, now: number): void {
    if (now - this.smokeAt > 450) {
      this.smokeAt = now;
      this.smoke.push({ x: 10.55 * TILE, y: 1.55 * TILE, r: 3, age: 0 });
    }
    for (const puff of this.smoke) {
      puff.age += dt;
      puff.y -= dt * 12;
      puff.x += dt * 5;
      puff.r += dt * 4;
    }
    while (this.smoke.length > 0 && (this.smoke[0]?.age ?? 0) > 2.6) this.smoke.shift();
    for (const puff of this.smoke) {
      ctx.fillStyle = `rgba(220, 220, 225, ${0.45 * (1 - puff.age / 2.6)})`;
      ctx.beginPath();
      ctx.arc(puff.x, puff.y, puff.r, 0, Math.PI * 2);
      ctx.fill();
    }
  }

  private drawLighting(game: Game, lanterns: boolean, t: number): void {
    const lc = this.lightCtx;
    const night = this.nightLevel;
    lc.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    lc.globalCompositeOperation = 'source-over';
    lc.clearRect(0, 0, W, H);
    // Night over the village, permanent gloom in the crypt.
    lc.fillStyle = `rgba(14, 20, 48, ${0.58 * night})`;
    lc.fillRect(0, 0, 13 * TILE, H);
    lc.fillStyle = `rgba(8, 8, 22, ${0.38 + 0.22 * night})`;
    lc.fillRect(13 * TILE, 0, W - 13 * TILE, H);
    if (this.rainLevel > 0) {
      lc.fillStyle = `rgba(40, 56, 84, ${0.16 * this.rainLevel})`;
      lc.fillRect(0, 0, W, H);
    }

    lc.globalCompositeOperation = 'destination-out';
    const hole = (p: Point, radius: number, strength: number): void => {
      const x = p.x * TILE;
      const y = p.y * TILE;
      const g = lc.createRadialGradient(x, y, 0, x, y, radius * TILE);
      g.addColorStop(0, `rgba(0,0,0,${strength})`);
      g.addColorStop(1, 'rgba(0,0,0,0)');
      lc.fillStyle = g;
      lc.fillRect(x - radius * TILE, y - radius * TILE, radius * TILE * 2, radius * TILE * 2);
    };
    hole(game.player, 2.6, 0.9);
    for (const torch of TORCHES) hole({ x: torch.x, y: torch.y + 0.4 }, 2.6 + Math.sin(t * 9 + torch.x) * 0.12, 0.95);
    if (lanterns) for (const l of LANTERNS) hole({ x: l.x, y: l.y - 0.2 }, 2.2, 0.9);
    hole({ x: 9.5, y: 3.2 }, 1.4, 0.7);
    if (game.boss.mode === 'active') hole(game.boss, 1.4, 0.5);

    const ctx = this.ctx;
    ctx.drawImage(this.light, 0, 0, W, H);

    // Warm glows on top.
    ctx.save();
    ctx.globalCompositeOperation = 'lighter';
    const glow = (p: Point, radius: number, alpha: number): void => {
      const x = p.x * TILE;
      const y = p.y * TILE;
      const g = ctx.createRadialGradient(x, y, 0, x, y, radius * TILE);
      g.addColorStop(0, `rgba(255, 170, 80, ${alpha})`);
      g.addColorStop(1, 'rgba(255, 170, 80, 0)');
      ctx.fillStyle = g;
      ctx.fillRect(x - radius * TILE, y - radius * TILE, radius * TILE * 2, radius * TILE * 2);
    };
    for (const torch of TORCHES) glow({ x: torch.x, y: torch.y + 0.25 }, 1.6, 0.2 + Math.sin(t * 11 + torch.x) * 0.04);
    if (lanterns) for (const l of LANTERNS) glow({ x: l.x, y: l.y - 0.35 }, 1.3, 0.12 + 0.12 * night);
    glow({ x: 9.5, y: 3.3 }, 0.9, 0.18);
    ctx.restore();
  }

  private drawRain(ctx: CanvasRenderingContext2D, dt: number): void {
    if (this.rainLevel <= 0.01) return;
    const count = Math.floor(this.drops.length * this.rainLevel);
    ctx.save();
    ctx.strokeStyle = 'rgba(205, 222, 255, 0.55)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i < count; i++) {
      const d = this.drops[i];
      if (d === undefined) continue;
      d.y += d.speed * dt;
      d.x -= d.speed * dt * 0.18;
      if (d.y > H) {
        d.y = -10;
        d.x = Math.random() * (W + 60);
      }
      if (d.x < -10) d.x += W + 20;
      ctx.moveTo(d.x, d.y);
      ctx.lineTo(d.x + d.len * 0.18, d.y - d.len);
    }
    ctx.stroke();
    ctx.restore();
  }
}

// ---------------------------------------------------------------------------
// Static map

function drawStatic(ctx: CanvasRenderingContext2D, map: TileMap): void {
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS; x++) {
      const tile = map.tile(x, y);
      const ground: Tile = tile === 'd' || tile === 'o' ? 'd' : tile === '#' || tile === 'G' ? '#' : tile === '=' ? '=' : tile === ',' ? ',' : '.';
      drawGround(ctx, map, x, y, ground);
    }
  }
  // Objects standing on the ground, back to front.
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS; x++) {
      const tile = map.tile(x, y);
      if (tile === 'o') drawPillar(ctx, x, y);
      if (tile === 'G') drawGate(ctx, x, y, map.gateOpen);
    }
  }
  drawHouse(ctx, 2, 2, { roof: '#c2553b', roofDark: '#9c3f2a', wall: '#f1e2c4', trim: '#d8c3a0' }, false);
  drawHouse(ctx, 8, 2, { roof: '#5a6475', roofDark: '#454e5d', wall: '#c9b69a', trim: '#a8947a' }, true);
  drawAnvil(ctx, PLACES.anvil.x, PLACES.anvil.y);
  drawWell(ctx, 7, 8);
  drawStall(ctx, 8, 9);
  for (const l of LANTERNS) drawLanternPost(ctx, l.x, l.y);
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS; x++) {
      if (map.tile(x, y) === 'T') drawTree(ctx, x, y);
    }
  }
  // A soft vignette at the crypt's threshold.
  const g = ctx.createLinearGradient(13 * TILE, 0, 15 * TILE, 0);
  g.addColorStop(0, 'rgba(0,0,0,0.25)');
  g.addColorStop(1, 'rgba(0,0,0,0)');
  ctx.fillStyle = g;
  ctx.fillRect(14 * TILE, TILE, TILE, H - 2 * TILE);
}

function drawGround(ctx: CanvasRenderingContext2D, map: TileMap, x: number, y: number, ground: Tile): void {
  const px = x * TILE;
  const py = y * TILE;
  const h = hash(x, y);
  if (ground === 'd') {
    ctx.fillStyle = (x + y) % 2 === 0 ? '#3d4153' : '#42475a';
    ctx.fillRect(px, py, TILE, TILE);
    ctx.strokeStyle = 'rgba(0,0,0,0.18)';
    ctx.lineWidth = 1;
    ctx.strokeRect(px + 0.5, py + 0.5, TILE - 1, TILE - 1);
    if (h < 0.3) {
      ctx.strokeStyle = 'rgba(0,0,0,0.28)';
      ctx.beginPath();
      ctx.moveTo(px + 6 + h * 20, py + 8);
      ctx.lineTo(px + 12 + h * 10, py + 16);
      ctx.lineTo(px + 9 + h * 20, py + 24);
      ctx.stroke();
    } else if (h > 0.85) {
      ctx.fillStyle = 'rgba(90, 140, 90, 0.35)';
      ctx.beginPath();
      ctx.ellipse(px + 10, py + 24, 6, 3, 0, 0, Math.PI * 2);
      ctx.fill();
    }
    return;
  }
  if (ground === '#') {
    const dungeonSide = x >= 13;
    ctx.fillStyle = dungeonSide ? '#6e7383' : '#7d8290';
    ctx.fillRect(px, py, TILE, TILE);
    ctx.fillStyle = 'rgba(0,0,0,0.22)';
    for (let row = 0; row < 4; row++) {
      const offset = row % 2 === 0 ? 0 : TILE / 4;
      ctx.fillRect(px, py + row * 8 + 7, TILE, 1);
      for (let bx = -TILE / 4 + offset; bx < TILE; bx += TILE / 2) {
        if (bx > 0) ctx.fillRect(px + bx, py + row * 8, 1, 7);
      }
    }
    ctx.fillStyle = 'rgba(255,255,255,0.08)';
    ctx.fillRect(px, py, TILE, 2);
    return;
  }
  // Grass everywhere else first.
  const shades = ['#86c06c', '#82bc68', '#8ac470'];
  ctx.fillStyle = shades[Math.floor(h * shades.length)] ?? '#86c06c';
  ctx.fillRect(px, py, TILE, TILE);
  ctx.strokeStyle = 'rgba(50, 110, 50, 0.35)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let i = 0; i < 3; i++) {
    const gx = px + 4 + hash(x * 3 + i, y) * 24;
    const gy = py + 6 + hash(x, y * 3 + i) * 22;
    ctx.moveTo(gx, gy);
    ctx.lineTo(gx - 1.5, gy - 3.5);
    ctx.moveTo(gx + 2, gy);
    ctx.lineTo(gx + 3, gy - 3);
  }
  ctx.stroke();
  if (ground === ',') {
    const colors = ['#ffffff', '#ffd1e6', '#ffe680', '#c9b8ff'];
    for (let i = 0; i < 4; i++) {
      ctx.fillStyle = colors[i % colors.length] ?? '#fff';
      ctx.beginPath();
      ctx.arc(px + 5 + hash(x + i, y * 7) * 22, py + 5 + hash(x * 7, y + i) * 22, 1.8, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  if (ground === '=') {
    ctx.fillStyle = '#dcc392';
    ctx.fillRect(px, py, TILE, TILE);
    ctx.fillStyle = '#c9ad78';
    const isPath = (tx: number, ty: number): boolean => map.tile(tx, ty) === '=' || map.tile(tx, ty) === 'G';
    if (!isPath(x, y - 1)) ctx.fillRect(px, py, TILE, 2);
    if (!isPath(x, y + 1)) ctx.fillRect(px, py + TILE - 2, TILE, 2);
    if (!isPath(x - 1, y)) ctx.fillRect(px, py, 2, TILE);
    if (!isPath(x + 1, y)) ctx.fillRect(px + TILE - 2, py, 2, TILE);
    ctx.fillStyle = 'rgba(120, 95, 60, 0.35)';
    for (let i = 0; i < 3; i++) {
      ctx.beginPath();
      ctx.arc(px + 5 + hash(x + i * 5, y) * 22, py + 5 + hash(x, y + i * 5) * 22, 1.2, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  if (map.tile(x, y) === '~') {
    ctx.fillStyle = '#5eaedc';
    ctx.fillRect(px, py, TILE, TILE);
    ctx.fillStyle = '#a9def4';
    if (map.tile(x, y - 1) !== '~') ctx.fillRect(px, py, TILE, 3);
    if (map.tile(x - 1, y) !== '~') ctx.fillRect(px, py, 3, TILE);
    if (map.tile(x + 1, y) !== '~') ctx.fillRect(px + TILE - 3, py, 3, TILE);
    if (map.tile(x, y + 1) !== '~') ctx.fillRect(px, py + TILE - 3, TILE, 3);
    if (h > 0.6) {
      ctx.fillStyle = '#4f9a4f';
      ctx.beginPath();
      ctx.arc(px + 12, py + 18, 5, 0.4, Math.PI * 2 - 0.2);
      ctx.lineTo(px + 12, py + 18);
      ctx.fill();
    }
  }
}

function drawTree(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  const cx = x * TILE + TILE / 2;
  const cy = y * TILE + TILE / 2;
  const h = hash(x, y);
  const r = 12 + h * 3;
  ctx.fillStyle = 'rgba(0,0,0,0.18)';
  ctx.beginPath();
  ctx.ellipse(cx + 2, cy + 11, r * 0.85, 4.5, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#7a5230';
  ctx.fillRect(cx - 2.5, cy + 2, 5, 9);
  ctx.fillStyle = h > 0.5 ? '#3f8a4c' : '#3a8046';
  blob(ctx, cx, cy - 3, r);
  ctx.fillStyle = '#4c9c58';
  blob(ctx, cx - 3, cy - 6, r * 0.7);
  ctx.fillStyle = 'rgba(255,255,255,0.14)';
  ctx.beginPath();
  ctx.arc(cx - 5, cy - 9, r * 0.35, 0, Math.PI * 2);
  ctx.fill();
}

function blob(ctx: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.arc(x - r * 0.55, y + r * 0.35, r * 0.7, 0, Math.PI * 2);
  ctx.arc(x + r * 0.55, y + r * 0.35, r * 0.7, 0, Math.PI * 2);
  ctx.fill();
}

interface HouseColors {
  roof: string;
  roofDark: string;
  wall: string;
  trim: string;
}

function drawHouse(ctx: CanvasRenderingContext2D, tx: number, ty: number, c: HouseColors, forge: boolean): void {
  const x = tx * TILE;
  const y = ty * TILE;
  const w = 3 * TILE;
  // Shadow, walls.
  ctx.fillStyle = 'rgba(0,0,0,0.18)';
  ctx.fillRect(x + 4, y + 2 * TILE - 2, w, 6);
  ctx.fillStyle = c.wall;
  ctx.fillRect(x + 3, y + 24, w - 6, 2 * TILE - 24);
  ctx.fillStyle = c.trim;
  ctx.fillRect(x + 3, y + 2 * TILE - 5, w - 6, 5);
  // Roof with shingles.
  ctx.fillStyle = c.roof;
  ctx.beginPath();
  ctx.moveTo(x - 3, y + 28);
  ctx.lineTo(x + 10, y - 6);
  ctx.lineTo(x + w - 10, y - 6);
  ctx.lineTo(x + w + 3, y + 28);
  ctx.closePath();
  ctx.fill();
  ctx.strokeStyle = c.roofDark;
  ctx.lineWidth = 1;
  for (let i = 0; i < 4; i++) {
    const ry = y + 1 + i * 7;
    ctx.beginPath();
    ctx.moveTo(x + 8 - i * 3, ry);
    ctx.lineTo(x + w - 8 + i * 3, ry);
    ctx.stroke();
  }
  ctx.fillStyle = c.roofDark;
  ctx.fillRect(x - 3, y + 26, w + 6, 3);
  // Door and windows.
  const doorX = x + w / 2 - 7;
  ctx.fillStyle = '#6b4226';
  roundRect(ctx, doorX, y + 2 * TILE - 24, 14, 21, 5);
  ctx.fill();
  ctx.fillStyle = '#f2c14e';
  ctx.fillRect(doorX + 10, y + 2 * TILE - 13, 2, 2);
  if (forge) {
    ctx.fillStyle = '#3a2a22';
    ctx.fillRect(x + 10, y + 36, 16, 14);
    ctx.fillStyle = '#ff9a3c';
    ctx.fillRect(x + 12, y + 42, 12, 8);
    ctx.fillStyle = '#ffd36b';
    ctx.fillRect(x + 14, y + 45, 8, 5);
    // Chimney.
    ctx.fillStyle = '#6e6a6a';
    ctx.fillRect(x + w - 22, y - 12, 10, 16);
    ctx.fillStyle = '#575353';
    ctx.fillRect(x + w - 24, y - 14, 14, 4);
  } else {
    for (const wx of [x + 10, x + w - 24]) {
      ctx.fillStyle = '#8fd0ef';
      ctx.fillRect(wx, y + 36, 14, 12);
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(wx + 6, y + 36, 2, 12);
      ctx.fillRect(wx, y + 41, 14, 2);
      ctx.strokeStyle = c.trim;
      ctx.strokeRect(wx + 0.5, y + 36.5, 13, 11);
    }
  }
}

function drawAnvil(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  const px = x * TILE;
  const py = y * TILE;
  ctx.fillStyle = 'rgba(0,0,0,0.2)';
  ctx.beginPath();
  ctx.ellipse(px, py + 7, 10, 3, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#5a5f6a';
  ctx.fillRect(px - 4, py - 2, 8, 8);
  ctx.fillStyle = '#6e7480';
  ctx.beginPath();
  ctx.moveTo(px - 10, py - 7);
  ctx.lineTo(px + 9, py - 7);
  ctx.lineTo(px + 5, py - 2);
  ctx.lineTo(px - 6, py - 2);
  ctx.closePath();
  ctx.fill();
}

function drawWell(ctx: CanvasRenderingContext2D, tx: number, ty: number): void {
  const cx = tx * TILE + TILE / 2;
  const cy = ty * TILE + TILE / 2 + 3;
  ctx.fillStyle = 'rgba(0,0,0,0.2)';
  ctx.beginPath();
  ctx.ellipse(cx + 2, cy + 9, 14, 5, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#9aa0aa';
  ctx.beginPath();
  ctx.ellipse(cx, cy, 13, 9, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#2d5d7a';
  ctx.beginPath();
  ctx.ellipse(cx, cy - 1, 8, 5, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#7a5230';
  ctx.fillRect(cx - 13, cy - 20, 3, 20);
  ctx.fillRect(cx + 10, cy - 20, 3, 20);
  ctx.fillStyle = '#a0522d';
  ctx.beginPath();
  ctx.moveTo(cx - 17, cy - 17);
  ctx.lineTo(cx, cy - 27);
  ctx.lineTo(cx + 17, cy - 17);
  ctx.closePath();
  ctx.fill();
}

function drawStall(ctx: CanvasRenderingContext2D, tx: number, ty: number): void {
  const x = tx * TILE;
  const y = ty * TILE;
  const w = 3 * TILE;
  ctx.fillStyle = 'rgba(0,0,0,0.18)';
  ctx.fillRect(x + 3, y + TILE - 3, w, 5);
  ctx.fillStyle = '#a0703c';
  ctx.fillRect(x + 2, y + 10, w - 4, TILE - 10);
  ctx.fillStyle = '#8a5e30';
  ctx.fillRect(x + 2, y + 10, w - 4, 3);
  // Goods.
  const goods = ['#e0463c', '#e0463c', '#8f5bd6', '#4aa3df', '#e8b34a', '#e0463c', '#8f5bd6'];
  goods.forEach((color, i) => {
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(x + 10 + i * 12, y + 9, 3.5, 0, Math.PI * 2);
    ctx.fill();
  });
  // Striped awning.
  for (let i = 0; i < 6; i++) {
    ctx.fillStyle = i % 2 === 0 ? '#e35d5b' : '#fff3e0';
    ctx.fillRect(x + i * 16, y - 10, 16, 9);
  }
  ctx.fillStyle = 'rgba(0,0,0,0.12)';
  ctx.fillRect(x, y - 2, w, 2);
  ctx.fillStyle = '#7a5230';
  ctx.fillRect(x + 1, y - 10, 3, 20);
  ctx.fillRect(x + w - 4, y - 10, 3, 20);
}

function drawLanternPost(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  const px = x * TILE;
  const py = y * TILE;
  ctx.fillStyle = 'rgba(0,0,0,0.2)';
  ctx.beginPath();
  ctx.ellipse(px, py + 8, 5, 2, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#3b3b44';
  ctx.fillRect(px - 1.5, py - 14, 3, 22);
  ctx.fillStyle = '#2e2e35';
  ctx.fillRect(px - 5, py - 22, 10, 9);
  ctx.fillStyle = '#5a5a66';
  ctx.fillRect(px - 6, py - 24, 12, 3);
}

function drawPillar(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  const cx = x * TILE + TILE / 2;
  const cy = y * TILE + TILE / 2;
  ctx.fillStyle = 'rgba(0,0,0,0.3)';
  ctx.beginPath();
  ctx.ellipse(cx + 2, cy + 10, 11, 4, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#62677a';
  ctx.fillRect(cx - 9, cy - 12, 18, 22);
  ctx.fillStyle = '#777d92';
  ctx.fillRect(cx - 11, cy - 15, 22, 5);
  ctx.fillRect(cx - 11, cy + 7, 22, 4);
  ctx.fillStyle = 'rgba(255,255,255,0.1)';
  ctx.fillRect(cx - 7, cy - 10, 3, 17);
}

function drawGate(ctx: CanvasRenderingContext2D, x: number, y: number, open: boolean): void {
  const px = x * TILE;
  const py = y * TILE;
  ctx.fillStyle = open ? '#3d4153' : '#2a2a30';
  ctx.fillRect(px + 2, py, TILE - 4, TILE);
  if (open) {
    ctx.fillStyle = '#8b5a2b';
    ctx.fillRect(px + 2, py - 2, TILE - 4, 5);
    ctx.fillRect(px + 2, py + TILE - 3, TILE - 4, 5);
  } else {
    ctx.fillStyle = '#8b5a2b';
    ctx.fillRect(px + 3, py + 1, TILE / 2 - 4, TILE - 2);
    ctx.fillRect(px + TILE / 2 + 1, py + 1, TILE / 2 - 4, TILE - 2);
    ctx.fillStyle = '#3d3d45';
    ctx.fillRect(px + 3, py + 6, TILE - 6, 3);
    ctx.fillRect(px + 3, py + TILE - 9, TILE - 6, 3);
    ctx.fillStyle = '#f2c14e';
    ctx.beginPath();
    ctx.arc(px + TILE / 2, py + TILE / 2, 2.5, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.fillStyle = '#9297a4';
  ctx.fillRect(px, py - 3, TILE, 4);
}

// ---------------------------------------------------------------------------
// Animated scenery

function drawWater(ctx: CanvasRenderingContext2D, map: TileMap, t: number): void {
  ctx.strokeStyle = 'rgba(255,255,255,0.45)';
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS; x++) {
      if (map.tile(x, y) !== '~') continue;
      const phase = (t * 0.6 + hash(x, y) * 4) % 4;
      const px = x * TILE + 6 + phase * 4;
      const py = y * TILE + 10 + hash(y, x) * 14;
      ctx.moveTo(px, py);
      ctx.quadraticCurveTo(px + 4, py - 2, px + 8, py);
    }
  }
  ctx.stroke();
}

function drawTorches(ctx: CanvasRenderingContext2D, t: number): void {
  for (const torch of TORCHES) {
    const px = torch.x * TILE;
    const py = torch.y * TILE;
    ctx.fillStyle = '#4a3424';
    ctx.fillRect(px - 2, py - 2, 4, 9);
    flame(ctx, px, py - 3, 1 + Math.sin(t * 13 + px) * 0.15);
  }
}

function drawLanterns(ctx: CanvasRenderingContext2D, lit: boolean, t: number): void {
  for (const l of LANTERNS) {
    const px = l.x * TILE;
    const py = l.y * TILE - 17;
    ctx.fillStyle = lit ? '#ffd77a' : '#4a4a55';
    ctx.fillRect(px - 3, py - 4, 6, 8);
    if (lit) flame(ctx, px, py + 1, 0.55 + Math.sin(t * 10 + px) * 0.08);
  }
}

function flame(ctx: CanvasRenderingContext2D, x: number, y: number, s: number): void {
  ctx.fillStyle = '#ff8a2a';
  ctx.beginPath();
  ctx.ellipse(x, y - 3 * s, 3.5 * s, 6 * s, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#ffe08a';
  ctx.beginPath();
  ctx.ellipse(x, y - 2 * s, 1.8 * s, 3.5 * s, 0, 0, Math.PI * 2);
  ctx.fill();
}

function drawChest(ctx: CanvasRenderingContext2D, opened: boolean, glint: boolean, t: number): void {
  const px = PLACES.chest.x * TILE;
  const py = PLACES.chest.y * TILE;
  ctx.fillStyle = 'rgba(0,0,0,0.22)';
  ctx.beginPath();
  ctx.ellipse(px, py + 8, 12, 3.5, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#8b5a2b';
  ctx.fillRect(px - 11, py - 4, 22, 12);
  ctx.fillStyle = '#f2c14e';
  ctx.fillRect(px - 11, py - 4, 22, 2);
  ctx.fillRect(px - 1.5, py - 4, 3, 12);
  if (opened) {
    ctx.fillStyle = '#6b4226';
    ctx.fillRect(px - 11, py - 13, 22, 8);
    ctx.fillStyle = '#2a1a10';
    ctx.fillRect(px - 9, py - 5, 18, 3);
  } else {
    ctx.fillStyle = '#9c6a35';
    roundRect(ctx, px - 12, py - 11, 24, 8, 3);
    ctx.fill();
    ctx.fillStyle = '#f2c14e';
    ctx.fillRect(px - 2, py - 6, 4, 4);
  }
  if (glint && !opened) {
    const a = 0.5 + 0.5 * Math.sin(t * 4);
    sparkle(ctx, px + 8, py - 12, 4 * a + 1, `rgba(255, 245, 200, ${0.4 + 0.6 * a})`);
  }
}

function sparkle(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(x, y - r * 2);
  ctx.lineTo(x + r * 0.5, y - r * 0.5);
  ctx.lineTo(x + r * 2, y);
  ctx.lineTo(x + r * 0.5, y + r * 0.5);
  ctx.lineTo(x, y + r * 2);
  ctx.lineTo(x - r * 0.5, y + r * 0.5);
  ctx.lineTo(x - r * 2, y);
  ctx.lineTo(x - r * 0.5, y - r * 0.5);
  ctx.closePath();
  ctx.fill();
}

function drawPickups(ctx: CanvasRenderingContext2D, game: Game, t: number): void {
  for (const p of game.pickups) {
    const px = p.x * TILE;
    const bob = Math.sin(t * 4 + p.x * 3) * 2;
    const py = p.y * TILE - 4 + bob;
    const age = t - p.bornAt;
    const alpha = age > 40 ? Math.max(0, (45 - age) / 5) * (0.6 + 0.4 * Math.sin(t * 20)) : 1;
    ctx.save();
    ctx.globalAlpha = alpha;
    ctx.fillStyle = 'rgba(0,0,0,0.18)';
    ctx.beginPath();
    ctx.ellipse(px, p.y * TILE + 6, 5, 2, 0, 0, Math.PI * 2);
    ctx.fill();
    if (p.kind === 'coin') {
      const squash = Math.abs(Math.cos(t * 3 + p.x));
      ctx.fillStyle = '#d9a21b';
      ctx.beginPath();
      ctx.ellipse(px, py, 5.5 * (0.35 + 0.65 * squash), 5.5, 0, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = '#ffd95a';
      ctx.beginPath();
      ctx.ellipse(px, py, 3.8 * (0.35 + 0.65 * squash), 3.8, 0, 0, Math.PI * 2);
      ctx.fill();
    } else {
      heart(ctx, px, py, 6, '#ff6b8a');
      ctx.fillStyle = '#3f9a4d';
      ctx.fillRect(px - 0.5, py - 9, 1.5, 4);
    }
    ctx.restore();
  }
}

function drawObjectiveMarker(ctx: CanvasRenderingContext2D, game: Game, t: number): void {
  const quest = game.story.currentId;
  let at: Point | null = null;
  if (quest === 'intro' || quest === 'meet_elder' || quest === 'idle_days') {
    const elder = game.npcs.find((n) => n.id === 'rowan');
    if (elder !== undefined) at = { x: elder.x, y: elder.y - 1.35 };
  } else if (quest === 'find_key') {
    at = { x: PLACES.chest.x, y: PLACES.chest.y - 0.9 };
  } else if (quest === 'open_gate') {
    at = { x: PLACES.gate.x, y: PLACES.gate.y - 0.9 };
  } else if (quest === 'boss' && game.boss.mode !== 'dead') {
    at = { x: game.boss.x, y: game.boss.y - 1.6 };
  }
  if (at === null || game.dialog !== null) return;
  const px = at.x * TILE;
  const py = at.y * TILE + Math.sin(t * 4) * 3 - 6;
  ctx.fillStyle = '#ffd34d';
  ctx.strokeStyle = 'rgba(60, 40, 0, 0.8)';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(px - 6, py - 6);
  ctx.lineTo(px + 6, py - 6);
  ctx.lineTo(px, py + 2);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}

function drawClickMarker(ctx: CanvasRenderingContext2D, game: Game, t: number): void {
  const m = game.clickMarker;
  if (m === null) return;
  const age = t - m.at;
  if (age > 0.6) return;
  ctx.strokeStyle = `rgba(255, 255, 255, ${1 - age / 0.6})`;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.ellipse(m.x * TILE, m.y * TILE, 4 + age * 18, 2 + age * 8, 0, 0, Math.PI * 2);
  ctx.stroke();
}

// ---------------------------------------------------------------------------
// Characters

function drawCharacter(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  look: NpcLook,
  facing: Facing,
  moving: boolean,
  t: number,
  flash: number,
): void {
  const px = Math.round(x * TILE);
  const py = Math.round(y * TILE) + 4;
  const step = moving ? Math.sin(t * 14 + x * 3) : 0;
  const bob = moving ? Math.abs(step) * 1.5 : Math.sin(t * 2 + x) * 0.4;

  ctx.fillStyle = 'rgba(0,0,0,0.22)';
  ctx.beginPath();
  ctx.ellipse(px, py + 6, 8, 3, 0, 0, Math.PI * 2);
  ctx.fill();

  // Legs.
  ctx.fillStyle = '#3a3340';
  ctx.fillRect(px - 5, py - 1 + step * 1.2, 4, 6 - step * 1.2);
  ctx.fillRect(px + 1, py - 1 - step * 1.2, 4, 6 + step * 1.2);

  // Body.
  const by = py - 14 - bob;
  ctx.fillStyle = look.body;
  roundRect(ctx, px - 8, by, 16, 15, 5);
  ctx.fill();
  ctx.fillStyle = look.trim;
  ctx.fillRect(px - 8, by + 9, 16, 2.5);
  // Arms.
  ctx.fillStyle = shade(look.body, -0.15);
  ctx.fillRect(px - 10, by + 2 + step, 3, 9);
  ctx.fillRect(px + 7, by + 2 - step, 3, 9);

  // Head.
  const hy = by - 6;
  if (look.hat === 'hood') {
    ctx.fillStyle = shade(look.body, -0.1);
    ctx.beginPath();
    ctx.arc(px, hy, 9, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.fillStyle = look.skin;
  ctx.beginPath();
  ctx.arc(px, hy, 7, 0, Math.PI * 2);
  ctx.fill();

  // Hair and hats.
  ctx.fillStyle = look.hair;
  if (facing === 'up') {
    ctx.beginPath();
    ctx.arc(px, hy, 7, 0, Math.PI * 2);
    ctx.fill();
  } else if (look.hat !== 'hood') {
    ctx.beginPath();
    ctx.arc(px, hy - 1, 7, Math.PI, Math.PI * 2);
    ctx.fill();
  }
  if (look.hat === 'cap') {
    ctx.fillStyle = '#ffd38a';
    ctx.beginPath();
    ctx.arc(px, hy - 3, 7.5, Math.PI, Math.PI * 2);
    ctx.fill();
    ctx.fillRect(px - (facing === 'left' ? 11 : -3), hy - 4, 8, 2);
  } else if (look.hat === 'helmet') {
    ctx.fillStyle = '#aab4c0';
    ctx.beginPath();
    ctx.arc(px, hy - 1, 8, Math.PI, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#c9d3dc';
    ctx.fillRect(px - 8, hy - 2, 16, 2);
  } else if (look.hat === 'hood') {
    ctx.fillStyle = shade(look.body, -0.1);
    ctx.beginPath();
    ctx.arc(px, hy - 2, 8.5, Math.PI * 1.05, Math.PI * 1.95);
    ctx.fill();
  }

  // Face.
  if (facing !== 'up') {
    ctx.fillStyle = '#2b2230';
    const ex = facing === 'left' ? -2.5 : facing === 'right' ? 2.5 : 0;
    if (facing === 'down') {
      ctx.fillRect(px - 3.5, hy, 2, 2.2);
      ctx.fillRect(px + 1.5, hy, 2, 2.2);
    } else {
      ctx.fillRect(px + ex - 1, hy, 2, 2.2);
    }
    if (look.hat === 'beard') {
      ctx.fillStyle = look.hair;
      ctx.beginPath();
      ctx.moveTo(px - 6, hy + 2);
      ctx.quadraticCurveTo(px, hy + 14, px + 6, hy + 2);
      ctx.closePath();
      ctx.fill();
    }
  }

  if (flash > 0) {
    ctx.save();
    ctx.globalAlpha = 0.45 * flash;
    ctx.fillStyle = '#ff4d4d';
    roundRect(ctx, px - 9, hy - 8, 18, 30, 6);
    ctx.fill();
    ctx.restore();
  }
}

function drawSwing(ctx: CanvasRenderingContext2D, x: number, y: number, angle: number, age: number): void {
  if (age < 0 || age > 0.18) return;
  const px = x * TILE;
  const py = y * TILE - 6;
  const k = age / 0.18;
  ctx.save();
  ctx.strokeStyle = `rgba(255, 255, 255, ${0.9 * (1 - k)})`;
  ctx.lineWidth = 4;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.arc(px, py, 17, angle - 1.1 + k * 0.6, angle + 0.6 + k * 0.6);
  ctx.stroke();
  ctx.restore();
}

function drawSlime(ctx: CanvasRenderingContext2D, e: Enemy, t: number): void {
  const px = e.x * TILE;
  const py = e.y * TILE + 6;
  const phase = t * 6 + hash(e.x | 0, e.bornAt | 0) * 6;
  const squash = 1 + Math.sin(phase) * 0.12;
  const born = Math.min(1, (t - e.bornAt) / 0.4);
  const hurt = t - e.hurtAt < 0.15;
  const rx = 10 * squash * born;
  const ry = 8 / squash * born;
  ctx.fillStyle = 'rgba(0,0,0,0.2)';
  ctx.beginPath();
  ctx.ellipse(px, py + 1, rx, 3, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = hurt ? '#ffffff' : '#5ec46b';
  ctx.strokeStyle = '#37934a';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.ellipse(px, py - ry, rx, ry, 0, Math.PI, Math.PI * 2);
  ctx.lineTo(px + rx, py);
  ctx.lineTo(px - rx, py);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = 'rgba(255,255,255,0.5)';
  ctx.beginPath();
  ctx.ellipse(px - rx * 0.4, py - ry * 1.3, 2.5, 1.5, -0.5, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#1f2a22';
  ctx.fillRect(px - 4, py - ry * 0.9, 2, 3);
  ctx.fillRect(px + 2, py - ry * 0.9, 2, 3);
}

function drawWarden(ctx: CanvasRenderingContext2D, boss: Enemy, t: number): void {
  const px = boss.x * TILE;
  const py = boss.y * TILE + 8;
  const hurt = t - boss.hurtAt < 0.12;
  const breathe = 1 + Math.sin(t * (boss.mode === 'active' ? 5 : 1.5)) * 0.05;
  const calm = boss.mode === 'calm';
  const body = hurt ? '#ffffff' : calm ? '#6f8fd0' : '#5b3a8c';
  const belly = calm ? '#a9c1ef' : '#8a66c2';

  ctx.fillStyle = 'rgba(0,0,0,0.3)';
  ctx.beginPath();
  ctx.ellipse(px, py + 2, 22, 6, 0, 0, Math.PI * 2);
  ctx.fill();
  // Horns.
  ctx.fillStyle = '#e8dcc8';
  for (const side of [-1, 1]) {
    ctx.beginPath();
    ctx.moveTo(px + side * 10, py - 34 * breathe);
    ctx.lineTo(px + side * 20, py - 46 * breathe);
    ctx.lineTo(px + side * 15, py - 30 * breathe);
    ctx.closePath();
    ctx.fill();
  }
  ctx.fillStyle = body;
  ctx.beginPath();
  ctx.ellipse(px, py - 18 * breathe, 22, 20 * breathe, 0, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = belly;
  ctx.beginPath();
  ctx.ellipse(px, py - 12 * breathe, 12, 11 * breathe, 0, 0, Math.PI * 2);
  ctx.fill();
  // Eyes.
  const ey = py - 25 * breathe;
  if (boss.mode === 'sleeping') {
    ctx.strokeStyle = '#1b1226';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(px - 10, ey);
    ctx.lineTo(px - 4, ey);
    ctx.moveTo(px + 4, ey);
    ctx.lineTo(px + 10, ey);
    ctx.stroke();
    ctx.fillStyle = 'rgba(255,255,255,0.8)';
    ctx.font = `600 11px ${FONT}`;
    ctx.textAlign = 'left';
    ctx.fillText('z', px + 18, py - 40 - (t % 2) * 4);
    ctx.fillText('z', px + 25, py - 50 - (t % 2) * 4);
  } else {
    ctx.fillStyle = calm ? '#ffffff' : '#ffd34d';
    ctx.beginPath();
    ctx.arc(px - 7, ey, 3.5, 0, Math.PI * 2);
    ctx.arc(px + 7, ey, 3.5, 0, Math.PI * 2);
    ctx.fill();
  }
  if (boss.mode === 'active') {
    const w = 46;
    const x0 = px - w / 2;
    const y0 = py - 58;
    ctx.fillStyle = 'rgba(20, 16, 30, 0.8)';
    roundRect(ctx, x0 - 2, y0 - 2, w + 4, 8, 4);
    ctx.fill();
    ctx.fillStyle = '#e5484d';
    roundRect(ctx, x0, y0, w * Math.max(0, boss.hp / boss.maxHp), 4, 2);
    ctx.fill();
  }
}

// ---------------------------------------------------------------------------
// Names, bubbles, status marks (drawn above the lighting so they stay readable)

function drawOverheads(ctx: CanvasRenderingContext2D, game: Game, t: number): void {
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const p = game.player;
  label(ctx, 'You', p.x * TILE, p.y * TILE - 30, '#ffd34d');
  // Names first, then bubbles, so a bubble is never hidden under a name.
  for (const npc of game.npcs) {
    const px = npc.x * TILE;
    const top = npc.y * TILE - 30;
    const w = label(ctx, npc.name, px, top);
    if (t - npc.lastErrorAt < 0.8) {
      const bx = px + w / 2 + 10;
      ctx.fillStyle = '#e5484d';
      ctx.beginPath();
      ctx.arc(bx, top, 7, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = '#ffffff';
      ctx.font = `700 10px ${FONT}`;
      ctx.fillText('!', bx, top + 0.5);
    }
  }
  // Lowest speakers first; a bubble that would cover another one moves up.
  const placed: Box[] = [];
  const speakers = [...game.npcs].sort((a, b) => b.y - a.y);
  for (const npc of speakers) {
    const px = npc.x * TILE;
    const bottom = npc.y * TILE - 39;
    const thinking = npc.pending || (npc as { thinking?: boolean }).thinking === true;
    const age = t - npc.lastLineAt;
    if (thinking) {
      drawDots(ctx, px, bottom, t);
    } else if (npc.lastLine !== '' && age < 4.2) {
      const alpha = age < 0.15 ? age / 0.15 : age > 3.6 ? Math.max(0, (4.2 - age) / 0.6) : 1;
      placed.push(drawBubble(ctx, npc.lastLine, px, bottom, alpha, placed));
    }
  }
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** A name pill centred on (x, y); returns its width. */
function label(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, color = '#ffffff'): number {
  ctx.font = `600 10px ${FONT}`;
  const w = ctx.measureText(text).width + 10;
  ctx.fillStyle = 'rgba(18, 22, 32, 0.62)';
  roundRect(ctx, x - w / 2, y - 7, w, 14, 7);
  ctx.fill();
  ctx.fillStyle = color;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x, y + 0.5);
  return w;
}

function drawDots(ctx: CanvasRenderingContext2D, x: number, bottom: number, t: number): void {
  const w = 30;
  const h = 16;
  const bx = clampX(x - w / 2, w);
  const by = bottom - h - 5;
  ctx.fillStyle = 'rgba(255,255,255,0.95)';
  roundRect(ctx, bx, by, w, h, 8);
  ctx.fill();
  tail(ctx, x, by + h);
  for (let i = 0; i < 3; i++) {
    const a = 0.35 + 0.65 * Math.max(0, Math.sin(t * 8 - i * 0.9));
    ctx.fillStyle = `rgba(60, 60, 80, ${a})`;
    ctx.beginPath();
    ctx.arc(bx + 8 + i * 7, by + h / 2, 2.2, 0, Math.PI * 2);
    ctx.fill();
  }
}

function drawBubble(
  ctx: CanvasRenderingContext2D,
  text: string,
  x: number,
  bottom: number,
  alpha: number,
  avoid: readonly Box[],
): Box {
  ctx.save();
  ctx.globalAlpha = alpha;
  ctx.font = `500 11px ${FONT}`;
  const { lines, width } = wrap(ctx, text, 150);
  const lineH = 14;
  const w = width + 16;
  const h = lines.length * lineH + 10;
  const bx = clampX(x - w / 2, w);
  let by = bottom - h - 5;
  for (let guard = 0; guard < 6; guard++) {
    const hit = avoid.find((o) => overlaps({ x: bx, y: by, w, h }, o));
    if (hit === undefined) break;
    by = hit.y - h - 3;
  }
  by = Math.max(4, by);
  ctx.shadowColor = 'rgba(0,0,0,0.25)';
  ctx.shadowBlur = 6;
  ctx.shadowOffsetY = 2;
  ctx.fillStyle = '#fffdf7';
  roundRect(ctx, bx, by, w, h, 8);
  ctx.fill();
  ctx.shadowColor = 'transparent';
  const tx = Math.min(Math.max(x, bx + 10), bx + w - 10);
  tail(ctx, tx, by + h);
  if (by + h + 5 < bottom - 2) {
    // Moved up to clear another bubble: a thin stem back down to the speaker.
    ctx.strokeStyle = '#fffdf7';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(tx, by + h + 4);
    ctx.lineTo(x, bottom - 1);
    ctx.stroke();
  }
  ctx.fillStyle = '#2b2b36';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  lines.forEach((line, i) => ctx.fillText(line, bx + 8, by + 5 + i * lineH));
  ctx.restore();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  return { x: bx, y: by, w, h };
}

function tail(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  ctx.beginPath();
  ctx.moveTo(x - 5, y - 1);
  ctx.lineTo(x, y + 5);
  ctx.lineTo(x + 5, y - 1);
  ctx.closePath();
  ctx.fill();
}

function clampX(x: number, w: number): number {
  return Math.max(4, Math.min(W - w - 4, x));
}

// ---------------------------------------------------------------------------
// HUD

function drawHud(ctx: CanvasRenderingContext2D, game: Game, t: number): void {
  const s = game.state.data;
  ctx.textBaseline = 'middle';

  // Top left: hearts, gold, items.
  panel(ctx, 8, 8, 176, 50);
  const hearts = Math.ceil(s.player.maxHp / 2);
  for (let i = 0; i < hearts; i++) {
    const hp = s.player.hp - i * 2;
    const x = 22 + i * 18;
    heart(ctx, x, 22, 7, 'rgba(255,255,255,0.18)');
    if (hp >= 2) heart(ctx, x, 22, 7, '#ff5a6a');
    else if (hp === 1) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(x - 8, 10, 8, 20);
      ctx.clip();
      heart(ctx, x, 22, 7, '#ff5a6a');
      ctx.restore();
    }
  }
  if (t - game.player.hurtAt < 0.3) {
    ctx.strokeStyle = 'rgba(255, 90, 106, 0.8)';
    ctx.lineWidth = 2;
    roundRect(ctx, 8, 8, 176, 50, 10);
    ctx.stroke();
  }
  coin(ctx, 21, 44);
  ctx.fillStyle = '#ffffff';
  ctx.font = `700 12px ${FONT}`;
  ctx.textAlign = 'left';
  ctx.fillText(String(s.player.gold), 31, 44.5);
  let ix = 70;
  const potions = s.inventory.filter((i) => i === 'potion').length;
  if (potions > 0) {
    potion(ctx, ix, 44);
    ctx.fillStyle = '#ffffff';
    ctx.font = `600 11px ${FONT}`;
    ctx.fillText(`×${potions}`, ix + 8, 44.5);
    ix += 34;
  }
  if (s.inventory.includes('key')) {
    key(ctx, ix, 44);
    ix += 24;
  }
  if (s.player.sword >= 2) {
    sword(ctx, ix + 2, 44);
    ctx.fillStyle = '#cfe3ff';
    ctx.font = `700 10px ${FONT}`;
    ctx.fillText('+1', ix + 10, 44.5);
  }

  // Top right: the quest.
  const node = game.story.nodes[game.story.currentId];
  if (node !== undefined) {
    ctx.font = `500 11px ${FONT}`;
    const { lines } = wrap(ctx, node.objective, 214);
    const h = 38 + lines.length * 14;
    const x = W - 8 - 236;
    panel(ctx, x, 8, 236, h);
    ctx.fillStyle = '#f2c14e';
    ctx.font = `700 9px ${FONT}`;
    ctx.textAlign = 'left';
    ctx.fillText('QUEST', x + 11, 20);
    ctx.fillStyle = 'rgba(255,255,255,0.45)';
    ctx.textAlign = 'right';
    ctx.fillText(`RUN ${s.stats.runs}`, x + 225, 20);
    ctx.textAlign = 'left';
    ctx.fillStyle = '#ffffff';
    ctx.font = `700 13px ${FONT}`;
    ctx.fillText(node.title, x + 11, 35);
    ctx.fillStyle = '#d6dae3';
    ctx.font = `500 11px ${FONT}`;
    lines.forEach((line, i) => ctx.fillText(line, x + 11, 51 + i * 14));
  }

  // Bottom left: time, weather, threat.
  const night = s.world.time === 'night';
  const chip = `Day ${s.world.day} · ${night ? 'Night' : 'Day'}${s.world.weather === 'rain' ? ' · Rain' : ''}`;
  ctx.font = `600 11px ${FONT}`;
  const cw = ctx.measureText(chip).width + 78;
  panel(ctx, 8, H - 30, cw, 22);
  if (night) moon(ctx, 21, H - 19);
  else sun(ctx, 21, H - 19);
  ctx.fillStyle = '#ffffff';
  ctx.textAlign = 'left';
  ctx.fillText(chip, 32, H - 18.5);
  const threat = Math.round((s.world.difficulty - 0.6) / 1.4 * 4);
  for (let i = 0; i < 5; i++) {
    ctx.fillStyle = i <= threat ? '#ff8a5b' : 'rgba(255,255,255,0.2)';
    ctx.beginPath();
    ctx.arc(cw - 32 + i * 7, H - 19, 2.5, 0, Math.PI * 2);
    ctx.fill();
  }

  // Bottom right: who is driving.
  const p = game.player;
  const auto = p.autopiloting;
  const manualLeft = Math.max(0, (p.manualUntil - performance.now()) / 1000);
  const mode = auto ? `Autopilot · ${p.autopilot.status}` : p.autopilotEnabled ? `You · autopilot in ${manualLeft.toFixed(0)}s` : 'You';
  ctx.font = `600 11px ${FONT}`;
  const mw = ctx.measureText(mode).width + 28;
  panel(ctx, W - 8 - mw, H - 30, mw, 22);
  ctx.fillStyle = auto ? '#5ee08a' : '#ffd34d';
  ctx.beginPath();
  ctx.arc(W - mw + 4, H - 19, 3.5, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#ffffff';
  ctx.fillText(mode, W - mw + 12, H - 18.5);

  // Toasts.
  let ty = 76;
  for (const toast of game.toasts) {
    const age = t - toast.at;
    if (age > 3.5) continue;
    const alpha = age < 0.2 ? age / 0.2 : age > 2.9 ? (3.5 - age) / 0.6 : 1;
    ctx.save();
    ctx.globalAlpha = Math.max(0, alpha);
    ctx.font = `600 12px ${FONT}`;
    const w = ctx.measureText(toast.text).width + 24;
    ctx.fillStyle = 'rgba(18, 22, 32, 0.78)';
    roundRect(ctx, W / 2 - w / 2, ty, w, 24, 12);
    ctx.fill();
    ctx.fillStyle = '#fff6dc';
    ctx.textAlign = 'center';
    ctx.fillText(toast.text, W / 2, ty + 12.5);
    ctx.restore();
    ty += 30;
  }
  ctx.textAlign = 'left';
}

function drawDialog(ctx: CanvasRenderingContext2D, game: Game): Rect[] {
  const dialog = game.dialog;
  if (dialog === null) return [];
  const w = 420;
  const x = (W - w) / 2;
  ctx.font = `500 12px ${FONT}`;
  const { lines } = wrap(ctx, dialog.line, w - 32);
  const h = 44 + lines.length * 16 + dialog.choices.length * 30;
  const y = H - 40 - h;
  ctx.save();
  ctx.shadowColor = 'rgba(0,0,0,0.35)';
  ctx.shadowBlur = 14;
  ctx.fillStyle = 'rgba(24, 28, 40, 0.94)';
  roundRect(ctx, x, y, w, h, 12);
  ctx.fill();
  ctx.restore();
  ctx.strokeStyle = 'rgba(242, 193, 78, 0.5)';
  ctx.lineWidth = 1;
  roundRect(ctx, x + 0.5, y + 0.5, w - 1, h - 1, 12);
  ctx.stroke();
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = '#f2c14e';
  ctx.font = `700 12px ${FONT}`;
  ctx.fillText(dialog.speaker, x + 16, y + 18);
  ctx.fillStyle = '#eef0f5';
  ctx.font = `500 12px ${FONT}`;
  lines.forEach((line, i) => ctx.fillText(line, x + 16, y + 38 + i * 16));
  const rects: Rect[] = [];
  dialog.choices.forEach((choice, i) => {
    const cy = y + 36 + lines.length * 16 + i * 30;
    const r: Rect = { id: choice.id, x: x + 12, y: cy, w: w - 24, h: 24 };
    ctx.fillStyle = 'rgba(255,255,255,0.08)';
    roundRect(ctx, r.x, r.y, r.w, r.h, 6);
    ctx.fill();
    ctx.fillStyle = '#f2c14e';
    roundRect(ctx, r.x + 6, r.y + 4, 16, 16, 4);
    ctx.fill();
    ctx.fillStyle = '#1b1f2a';
    ctx.font = `700 11px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.fillText(String(i + 1), r.x + 14, r.y + 12.5);
    ctx.textAlign = 'left';
    ctx.fillStyle = '#ffffff';
    ctx.font = `600 12px ${FONT}`;
    ctx.fillText(choice.label, r.x + 30, r.y + 12.5);
    rects.push(r);
  });
  return rects;
}

function drawPaused(ctx: CanvasRenderingContext2D, notStarted: boolean): void {
  ctx.fillStyle = 'rgba(12, 14, 22, 0.45)';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = '#ffffff';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.font = `700 22px ${FONT}`;
  ctx.fillText(notStarted ? 'Loading…' : 'Paused', W / 2, H / 2);
}

function panel(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number): void {
  ctx.fillStyle = 'rgba(18, 22, 32, 0.72)';
  roundRect(ctx, x, y, w, h, 10);
  ctx.fill();
  ctx.strokeStyle = 'rgba(255,255,255,0.08)';
  ctx.lineWidth = 1;
  roundRect(ctx, x + 0.5, y + 0.5, w - 1, h - 1, 10);
  ctx.stroke();
}

// ---------------------------------------------------------------------------
// Icons and helpers

function heart(ctx: CanvasRenderingContext2D, x: number, y: number, s: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(x, y + s * 0.9);
  ctx.bezierCurveTo(x - s * 1.4, y - s * 0.1, x - s * 0.8, y - s * 1.2, x, y - s * 0.45);
  ctx.bezierCurveTo(x + s * 0.8, y - s * 1.2, x + s * 1.4, y - s * 0.1, x, y + s * 0.9);
  ctx.fill();
}

function coin(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  ctx.fillStyle = '#d9a21b';
  ctx.beginPath();
  ctx.arc(x, y, 6, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#ffd95a';
  ctx.beginPath();
  ctx.arc(x, y, 4.2, 0, Math.PI * 2);
  ctx.fill();
}

function potion(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  ctx.fillStyle = '#cfd6e6';
  ctx.fillRect(x - 2, y - 8, 4, 4);
  ctx.fillStyle = '#b06ae0';
  ctx.beginPath();
  ctx.arc(x, y + 1, 5.5, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = 'rgba(255,255,255,0.5)';
  ctx.fillRect(x - 3, y - 1, 2, 3);
}

function key(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  ctx.strokeStyle = '#f2c14e';
  ctx.fillStyle = '#f2c14e';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(x - 4, y, 3.5, 0, Math.PI * 2);
  ctx.stroke();
  ctx.fillRect(x - 1, y - 1, 10, 2.5);
  ctx.fillRect(x + 5, y, 2, 4);
  ctx.fillRect(x + 8, y, 2, 3);
}

function sword(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-Math.PI / 4);
  ctx.fillStyle = '#dfe8f5';
  ctx.fillRect(-1.5, -9, 3, 11);
  ctx.fillStyle = '#f2c14e';
  ctx.fillRect(-4.5, 2, 9, 2);
  ctx.fillStyle = '#7a5230';
  ctx.fillRect(-1, 4, 2, 4);
  ctx.restore();
}

function sun(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  ctx.fillStyle = '#ffd34d';
  ctx.beginPath();
  ctx.arc(x, y, 4, 0, Math.PI * 2);
  ctx.fill();
  ctx.strokeStyle = '#ffd34d';
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  for (let i = 0; i < 8; i++) {
    const a = (i / 8) * Math.PI * 2;
    ctx.moveTo(x + Math.cos(a) * 5.5, y + Math.sin(a) * 5.5);
    ctx.lineTo(x + Math.cos(a) * 7.5, y + Math.sin(a) * 7.5);
  }
  ctx.stroke();
}

function moon(ctx: CanvasRenderingContext2D, x: number, y: number): void {
  ctx.fillStyle = '#e7ecff';
  ctx.beginPath();
  ctx.arc(x, y, 5.5, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = 'rgba(18, 22, 32, 1)';
  ctx.beginPath();
  ctx.arc(x + 2.5, y - 2, 4.5, 0, Math.PI * 2);
  ctx.fill();
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  const rr = Math.max(0, Math.min(r, w / 2, h / 2));
  ctx.beginPath();
  ctx.moveTo(x + rr, y);
  ctx.arcTo(x + w, y, x + w, y + h, rr);
  ctx.arcTo(x + w, y + h, x, y + h, rr);
  ctx.arcTo(x, y + h, x, y, rr);
  ctx.arcTo(x, y, x + w, y, rr);
  ctx.closePath();
}

interface Wrapped {
  lines: string[];
  /** The widest line's width. */
  width: number;
}

/**
 * The quest, the dialog and the speech bubbles are drawn every frame but their
 * text changes rarely: measure each (font, width, text) once.
 */
const wrapped = new Map<string, Wrapped>();

/** Splits text into lines that fit `maxWidth` in the context's current font. */
function wrap(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): Wrapped {
  const key = `${ctx.font}|${maxWidth}|${text}`;
  let block = wrapped.get(key);
  if (block === undefined) {
    if (wrapped.size >= 128) wrapped.clear();
    const lines = wrapLines(ctx, text, maxWidth);
    block = { lines, width: Math.max(...lines.map((l) => ctx.measureText(l).width)) };
    wrapped.set(key, block);
  }
  return block;
}

function wrapLines(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string[] {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (ctx.measureText(candidate).width > maxWidth && line !== '') {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line !== '') lines.push(line);
  return lines.length > 0 ? lines : [''];
}

function shade(hex: string, amount: number): string {
  const n = parseInt(hex.slice(1), 16);
  const f = (c: number): number => Math.max(0, Math.min(255, Math.round(c + (amount < 0 ? c : 255 - c) * amount)));
  const r = f((n >> 16) & 255);
  const g = f((n >> 8) & 255);
  const b = f(n & 255);
  return `rgb(${r}, ${g}, ${b})`;
}

function hash(x: number, y: number): number {
  let h = Math.imul(x | 0, 374761393) ^ Math.imul(y | 0, 668265263);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function approach(value: number, target: number, step: number): number {
  if (value < target) return Math.min(target, value + step);
  return Math.max(target, value - step);
}
