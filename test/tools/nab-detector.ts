/**
 * The detector scored on NAB (`npm run eval:nab`): the StreamingDetector of
 * ./anomaly.ts with its default (NAB-calibrated) options plus the sequence
 * novelty of ./novelty.ts. The engine's detectors (MONITOR_OPTIONS) do not
 * use it, so its code stays out of the engine's bundle.
 */
import { DEFAULT_THRESHOLD, StreamingDetector, type DetectorOptions } from '../../src/analytics/anomaly';
import { SequenceNovelty } from '../../src/analytics/novelty';

export interface NabDetectorOptions extends DetectorOptions {
  /** SequenceNovelty's levels, warm-up, margin and rest (NOVELTY_DEFAULTS when not given). */
  noveltyLevels?: number;
  noveltyWarmup?: number;
  noveltyMargin?: number;
  noveltyRest?: number;
}

export function createNabDetector(opts: NabDetectorOptions = {}, threshold = DEFAULT_THRESHOLD): StreamingDetector {
  const { noveltyLevels, noveltyWarmup, noveltyMargin, noveltyRest, ...detector } = opts;
  const novelty = new SequenceNovelty({ levels: noveltyLevels, warmup: noveltyWarmup, margin: noveltyMargin, rest: noveltyRest });
  return new StreamingDetector(detector, threshold, novelty);
}
