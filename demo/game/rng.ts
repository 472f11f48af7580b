/** A small seeded PRNG (mulberry32) so a run can be repeated with `?seed=42`. */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  int(min: number, maxInclusive: number): number {
    return Math.floor(this.range(min, maxInclusive + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('Rng.pick: empty list');
    return item;
  }

  /** An independent generator derived from this one and a label. */
  fork(label: string): Rng {
    return new Rng(fnv1a(label, FNV_OFFSET ^ this.s));
  }
}

/** Reads `?seed=N` from the page URL, or picks a random seed. */
export function seedFromUrl(search: string = location.search): number {
  const raw = new URLSearchParams(search).get('seed');
  if (raw !== null && raw.trim() !== '') {
    const n = Number(raw);
    if (Number.isFinite(n)) return Math.abs(Math.floor(n)) >>> 0;
    return fnv1a(raw); // a non-numeric seed: hash the text
  }
  return Math.floor(Math.random() * 0xffffffff) >>> 0;
}

const FNV_OFFSET = 2166136261;

/** FNV-1a hash of a string's UTF-16 code units, as an unsigned 32-bit number. */
function fnv1a(text: string, h: number = FNV_OFFSET): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
