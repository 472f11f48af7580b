/**
 * The detector of the engine's global metrics (frame time, event rate,
 * failed-call share, heap: one point a second of trace time), and the very
 * one `npm run eval:nab` scores: the StreamingDetector of ./anomaly.ts with
 * its defaults (NAB-calibrated) and the sequence novelty of ./novelty.ts,
 * learning GLOBAL_LEARNING points. One configuration for both evaluations.
 */
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLD, StreamingDetector, type DetectorOptions } from './anomaly';
import { SequenceNovelty } from './novelty';

/**
 * Points (seconds, in the engine) before the first verdict. On NAB this
 * changes nothing that is scored: every file's probationary period (15% of
 * it, at least 150 points on these files) is longer, and NAB ignores it.
 */
export const GLOBAL_LEARNING = 20;

export interface GlobalDetectorOptions extends DetectorOptions {
  /** SequenceNovelty's warm-up and margin (NOVELTY_DEFAULTS when not given; its 8 levels are CAD OSE's, fixed). */
  noveltyWarmup?: number;
  noveltyMargin?: number;
}

/**
 * A fresh detector for one series; `opts` and `threshold` only for eval:nab's
 * cross-validation grid. The novelty rests as long as the detector's
 * refractory period: one horizon for "one event is reported once", whichever
 * sub-detector saw it.
 */
export function createGlobalDetector(opts: GlobalDetectorOptions = {}, threshold = DEFAULT_THRESHOLD): StreamingDetector {
  const { noveltyWarmup, noveltyMargin, ...detector } = opts;
  const rest = detector.refractory ?? DEFAULT_OPTIONS.refractory;
  const novelty = new SequenceNovelty({ warmup: noveltyWarmup, margin: noveltyMargin, rest });
  return new StreamingDetector({ learning: GLOBAL_LEARNING, ...detector }, threshold, novelty);
}
