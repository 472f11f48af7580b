/**
 * The agent's parts, each started by a function that returns its own stop,
 * and stopped in reverse by `stopAll` (a disposer stack, as Eruda's destroy
 * and OpenTelemetry's shutdown take their parts down). Each stop is tried on
 * its own: one that throws (a page that broke a builtin since) is counted and
 * does not leave the parts after it running.
 */
export type Stop = () => void;

export class Disposers {
  private readonly stops: Stop[] = [];
  private stopped = false;

  constructor(private readonly onFailure: (err: unknown) => void) {}

  /**
   * Starts a part now; its stop (if it returns one) runs at stopAll, before
   * the parts started earlier. A part that throws as it starts stops the ones
   * started before it, then the error goes on to whoever is building the agent
   * (the drop-in script catches it): a half-made agent leaves nothing running.
   */
  start(part: () => Stop | void): void {
    let stop: Stop | void;
    try {
      stop = part();
    } catch (err) {
      this.stopAll();
      throw err;
    }
    if (stop) this.stops[this.stops.length] = stop;
  }

  /** Whether stopAll ran. */
  get done(): boolean {
    return this.stopped;
  }

  /** Stops every part, newest first, each on its own. */
  stopAll(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (let i = this.stops.length - 1; i >= 0; i--) this.attempt(this.stops[i]!);
    this.stops.length = 0;
  }

  /** Runs `step`; a throw is counted, never passed on. */
  attempt(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.onFailure(err);
    }
  }
}
