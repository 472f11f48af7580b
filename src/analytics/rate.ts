/** Events per second from a running counter, over a sliding window of samples. */
export class RateMeter {
  private readonly samples: { t: number; n: number }[] = [];

  constructor(private readonly windowMs = 2_000) {}

  /** Records the counter's value at time `t` (ms) and returns the rate per second. */
  sample(t: number, count: number): number {
    this.samples.push({ t, n: count });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const dt = t - first.t;
    return dt > 0 ? ((count - first.n) * 1000) / dt : 0;
  }
}
