import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD, MONITOR_OPTIONS, StreamingDetector, type AnomalyKind, type DetectorOptions } from '../../../src/analytics/anomaly';
import { rng } from './rng';

function gaussian(r: () => number): number {
  let u = 0;
  while (u === 0) u = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

type Event = 'spike' | 'level' | 'variance';
const TRIALS = 40;
const LEN = 2400; // points, one a second
const PRESETS: Array<[string, DetectorOptions]> = [
  ['default (NAB-tuned)', {}],
  ['MONITOR_OPTIONS', MONITOR_OPTIONS],
];

/**
 * TRIALS streams per event type: 1 Hz Gaussian noise (mean 100, sd 5), the
 * event injected at a random second in [1200, 2000); detected when a verdict
 * falls within 60 s of it (the spike: on it). Verdicts before it, after the
 * learning period, are false positives on clean data.
 */
function inject(event: Event, opts: DetectorOptions) {
  let detected = 0;
  let fp = 0;
  let cleanPoints = 0;
  const kinds = new Map<AnomalyKind | 'none', number>();
  const delays: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const r = rng(1000 * trial + event.length);
    const at = 1200 + Math.floor(r() * 800);
    const sign = r() < 0.5 ? -1 : 1;
    const det = new StreamingDetector(opts);
    let hit = -1;
    let kind: AnomalyKind | 'none' = 'none';
    for (let i = 0; i < LEN; i++) {
      let sd = 5;
      let level = 100;
      if (event === 'level' && i >= at) level += sign * 4 * 5;
      if (event === 'variance' && i >= at) sd *= 4;
      let x = level + sd * gaussian(r);
      if (event === 'spike' && i === at) x = 100 + sign * 8 * 5;
      const res = det.update(x, i * 1000);
      if (i < at) {
        if (!res.learning) cleanPoints++;
        if (res.anomaly) fp++;
      } else if (hit < 0 && res.anomaly && i <= at + (event === 'spike' ? 0 : 60)) {
        hit = i;
        kind = res.kind ?? 'none';
        expect(res.reason).toBeTypeOf('string');
      }
    }
    if (hit >= 0) {
      detected++;
      delays.push(hit - at);
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  delays.sort((a, b) => a - b);
  return {
    rate: detected / TRIALS,
    fpPerHour: fp / (cleanPoints / 3600),
    medianDelay: delays.length ? delays[delays.length >> 1]! : NaN,
    kinds: Object.fromEntries(kinds),
  };
}

/** `hours` of clean 1 Hz data per seed (3 seeds): verdicts per hour. */
function clean(gen: (r: () => number, i: number) => number, opts: DetectorOptions, hours = 2): { fpPerHour: number; fp: number } {
  let fp = 0;
  let points = 0;
  for (let seed = 1; seed <= 3; seed++) {
    const r = rng(seed);
    const det = new StreamingDetector(opts);
    for (let i = 0; i < hours * 3600; i++) {
      const res = det.update(gen(r, i), i * 1000);
      if (!res.learning) points++;
      if (res.anomaly) fp++;
    }
  }
  return { fp, fpPerHour: fp / (points / 3600) };
}

const noise = (r: () => number) => 100 + 5 * gaussian(r);
const sine = (r: () => number, i: number) => 100 + 20 * Math.sin((2 * Math.PI * i) / 600) + 2 * gaussian(r);

describe('StreamingDetector: flat, constant and tiny data', () => {
  for (const [name, opts] of PRESETS) {
    it(`${name}: a constant series scores 0 everywhere (1e4 points, several levels)`, () => {
      for (const c of [0, 42, -3.5, 1e9]) {
        const det = new StreamingDetector(opts);
        for (let i = 0; i < 10_000; i++) expect(det.update(c).score).toBe(0);
      }
    }, 60_000); // 4e4 points and as many expects, on a loaded machine

    it(`${name}: on a series flat so far, a value far from it is out of range`, () => {
      const det = new StreamingDetector(opts);
      for (let i = 0; i < 300; i++) det.update(61);
      expect(det.update(8061)).toMatchObject({ kind: 'out-of-range', score: 1, anomaly: true });
    });

    it(`${name}: jitter far below the level (1e-9 relative) gives no verdict`, () => {
      const r = rng(7);
      const det = new StreamingDetector(opts);
      let verdicts = 0;
      for (let i = 0; i < 20_000; i++) if (det.update(5 + 5e-9 * gaussian(r)).anomaly) verdicts++;
      expect(verdicts).toBe(0);
    });

    it(`${name}: no verdict during the learning period, even on a huge spike`, () => {
      const det = new StreamingDetector(opts);
      const r = rng(3);
      for (let i = 0; i < det.options.learning; i++) {
        const res = det.update(i === 100 ? 1e6 : noise(r));
        expect(res.learning).toBe(true);
        expect(res.score).toBe(0);
      }
      expect(det.update(noise(r)).learning).toBe(false);
    });
  }
});

describe('StreamingDetector: clean steady data', () => {
  // MONITOR_OPTIONS: nothing at all on 6 h of clean noise and 6 h of a noisy sine.
  const mNoise = clean(noise, MONITOR_OPTIONS);
  const mSine = clean(sine, MONITOR_OPTIONS);
  it(`MONITOR_OPTIONS flags nothing: ${mNoise.fpPerHour.toFixed(2)} FP/h on Gaussian noise, ${mSine.fpPerHour.toFixed(2)} FP/h on a noisy sine (1 Hz, 3 x 2 h each)`, () => {
    expect(mNoise.fp).toBe(0);
    expect(mSine.fp).toBe(0);
  });

  // The NAB-tuned default calibrates each sub-detector against its own recent
  // record, which relaxes over time: on pure noise it keeps a low false-alarm
  // rate by design (NAB charges 0.11 a false positive, 1 a missed window).
  const dNoise = clean(noise, {});
  const dSine = clean(sine, {});
  it(`default (NAB-tuned): ${dNoise.fpPerHour.toFixed(2)} FP/h on Gaussian noise, ${dSine.fpPerHour.toFixed(2)} FP/h on a noisy sine (1 Hz, 3 x 2 h each; bound 4/h)`, () => {
    expect(dNoise.fpPerHour).toBeLessThan(4);
    expect(dSine.fpPerHour).toBeLessThan(4);
  });
});

describe('StreamingDetector: injected spikes, level shifts and variance changes', () => {
  for (const [name, opts] of PRESETS) {
    const spike = inject('spike', opts);
    const level = inject('level', opts);
    const variance = inject('variance', opts);
    it(`${name}: spikes of 8 sigma found ${(spike.rate * 100).toFixed(0)}% on the point (${spike.fpPerHour.toFixed(2)} FP/h before them)`, () => {
      expect(spike.rate).toBeGreaterThanOrEqual(0.95);
    });
    it(`${name}: level shifts of 4 sigma found ${(level.rate * 100).toFixed(0)}% within 60 s, median delay ${level.medianDelay} s (${level.fpPerHour.toFixed(2)} FP/h before them)`, () => {
      expect(level.rate).toBeGreaterThanOrEqual(0.9);
    });
    it(`${name}: variance x4 found ${(variance.rate * 100).toFixed(0)}% within 60 s, median delay ${variance.medianDelay} s (${variance.fpPerHour.toFixed(2)} FP/h before them)`, () => {
      expect(variance.rate).toBeGreaterThanOrEqual(0.85);
    });
  }
});

describe('StreamingDetector: explanation and bounded state', () => {
  it('an anomaly says how far from normal and why: expected value, band, z, sub-detector, reason', () => {
    const r = rng(11);
    const det = new StreamingDetector(MONITOR_OPTIONS);
    for (let i = 0; i < 1000; i++) det.update(noise(r));
    const res = det.update(200);
    expect(res.anomaly).toBe(true);
    expect(res.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(res.expected).toBeCloseTo(100, -1);
    expect(res.low).toBeLessThan(100);
    expect(res.high).toBeGreaterThan(100);
    expect(res.z).toBeGreaterThan(10);
    expect(res.deviation).toBeCloseTo(200 - res.expected, 9);
    expect(['spike', 'out-of-range']).toContain(res.kind);
    expect(res.reason).toMatch(/200/);
  });

  it('non-finite values are ignored without a verdict', () => {
    const det = new StreamingDetector();
    for (let i = 0; i < 500; i++) det.update(i % 7);
    expect(det.update(NaN).anomaly).toBe(false);
    expect(det.update(Infinity).score).toBe(0);
  });

  it('constant memory: state bytes and every internal array are unchanged after 1e6 points', () => {
    const det = new StreamingDetector();
    const sizes = () =>
      Object.entries(det as unknown as Record<string, unknown>)
        .filter(([, v]) => ArrayBuffer.isView(v) || Array.isArray(v))
        .map(([k, v]) => `${k}:${(v as { length: number }).length}`)
        .join(',');
    const r = rng(5);
    for (let i = 0; i < 1000; i++) det.update(noise(r));
    const before = { bytes: det.stateBytes, arrays: sizes() };
    for (let i = 0; i < 1_000_000; i++) det.update(noise(r) + (i % 50_000 === 0 ? 100 : 0) + (i > 500_000 ? 30 : 0));
    expect(det.count).toBe(1_001_000);
    expect({ bytes: det.stateBytes, arrays: sizes() }).toEqual(before);
    expect(before.bytes).toBeLessThan(64 * 1024);
  }, 60_000); // 1e6 points on a loaded machine
});
