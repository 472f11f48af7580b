/**
 * The longest agent calls of each of the last few seconds of trace time
 * (method id, duration, frame): what a frame-time anomaly of a second names
 * as the work that ran in its frames. Constant memory (SECONDS × TOP calls),
 * O(TOP) a call at worst, one comparison in the usual case.
 */
const SECONDS = 4;
export const TOP = 3;

export interface LongCall {
  id: number;
  dur: number;
  frame: number;
}

export class LongestCalls {
  private readonly stamp = new Float64Array(SECONDS).fill(-1);
  private readonly dur = new Float64Array(SECONDS * TOP);
  private readonly id = new Int32Array(SECONDS * TOP);
  private readonly frame = new Float64Array(SECONDS * TOP);
  /** The shortest kept duration of each second's slots (a call below it is skipped at once). */
  private readonly least = new Float64Array(SECONDS);

  /** The second calls last came in ([curFrom, curFrom + 1000) ms) and its shortest kept duration: most calls stop at these. */
  private curFrom = 0;
  private curLeast = -1;

  add(id: number, dur: number, ts: number, frame: number): void {
    if (dur <= this.curLeast && ts >= this.curFrom && ts < this.curFrom + 1000) return;
    const sec = Math.floor(ts / 1000);
    const s = sec % SECONDS;
    if (this.stamp[s] !== sec) {
      this.stamp[s] = sec;
      this.dur.fill(-1, s * TOP, s * TOP + TOP);
      this.least[s] = -1;
    }
    this.curFrom = sec * 1000;
    this.curLeast = this.least[s]!;
    if (dur <= this.least[s]!) return;
    // Replace the shortest slot, then find the new shortest.
    const base = s * TOP;
    let min = base;
    for (let j = base + 1; j < base + TOP; j++) if (this.dur[j]! < this.dur[min]!) min = j;
    this.dur[min] = dur;
    this.id[min] = id;
    this.frame[min] = frame;
    let least = Infinity;
    for (let j = base; j < base + TOP; j++) if (this.dur[j]! < least) least = this.dur[j]!;
    this.least[s] = least;
    this.curLeast = least;
  }

  /** The longest calls of the second starting at `startMs`, longest first ([] when it is no longer kept). */
  of(startMs: number): LongCall[] {
    const sec = Math.floor(startMs / 1000);
    const s = sec % SECONDS;
    if (this.stamp[s] !== sec) return [];
    const out: LongCall[] = [];
    for (let j = s * TOP; j < s * TOP + TOP; j++) if (this.dur[j]! >= 0) out.push({ id: this.id[j]!, dur: this.dur[j]!, frame: this.frame[j]! });
    return out.sort((a, b) => b.dur - a.dur);
  }
}
