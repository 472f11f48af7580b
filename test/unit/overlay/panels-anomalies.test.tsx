// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { AnomaliesTab, shownAlerts } from '../../../src/overlay/panels/anomalies';
import { alertStatus, anomaly, buttonByText, click, fakeSource, mount, RULES, snapshot, span, type Mounted } from './panels-fake';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

describe('the anomalies tab', () => {
  it('shows each anomaly, newest first, with severity, what, when, value against the band and the reason', async () => {
    const anomalies = [
      anomaly({ id: 2, metric: 'latency', agent: 'llm.ask', severity: 'critical', from: 80_000, to: 81_000, seqFrom: 4500, seqTo: 4600, value: 1500, expected: 300, low: 200, high: 420, z: 12.4, reason: 'latency p95 of llm.ask jumped' }),
      anomaly({ id: 1 }),
    ];
    const fake = fakeSource({ anomalies: { anomalies, total: 2 } });
    m = await mount(fake.source, (state) => <AnomaliesTab source={fake.source} state={state} />);
    const cards = [...m.root.querySelectorAll('article.card')];
    expect(cards).toHaveLength(2);
    const first = cards[0]!.textContent!;
    expect(cards[0]!.className).toContain('critical');
    expect(first).toContain('critical');
    expect(first).toContain('latency p95');
    expect(first).toContain('llm.ask');
    expect(first).toContain('80.000s');
    expect(first).toContain('1.50s where 300.0ms is expected (normal 200.0ms – 420.0ms)');
    expect(first).toContain('latency p95 of llm.ask jumped');
    expect(cards[1]!.textContent).toContain('frame time p95');
    expect(cards[1]!.textContent).toContain('48.2ms');
  });

  it('names who: the methods of an anomaly and their share, as text', async () => {
    const anomalies = [
      anomaly({ id: 3, metric: 'errorRate', agent: 'shop.buy', kind: 'failure-run', value: 1, expected: 0.005, low: 0, high: 0.1, reason: 'shop.buy failed 4 times in a row after succeeding', culprits: [{ name: 'shop.buy', share: 0.8, calls: 4 }, { name: 'net.<b>sync</b>', share: 0.2, calls: 1 }] }),
      anomaly({ id: 2, metric: 'frameTime', culprits: [{ name: 'pathfinder.plan', share: 0.12, calls: 1, ms: 120, frame: 311 }] }),
      anomaly({ id: 1, metric: 'memory', culprits: [] }),
    ];
    const fake = fakeSource({ anomalies: { anomalies, total: 3 } });
    m = await mount(fake.source, (state) => <AnomaliesTab source={fake.source} state={state} />);
    const who = [...m.root.querySelectorAll('article.card')].map((c) => c.querySelector('.card-who')?.textContent ?? null);
    expect(who).toEqual(['who: shop.buy (80% of the failed calls, 4) · net.<b>sync</b> (20% of the failed calls, 1)', 'who: pathfinder.plan (120.0ms in frame 311, 12% of the frame time)', null]);
    // A name from the trace is text, never markup.
    expect(m.root.querySelector('.card-who b')).toBeNull();
  });

  it('"show entries" focuses the log on the anomaly\'s entries', async () => {
    const fake = fakeSource({ anomalies: { anomalies: [anomaly()], total: 1 } });
    m = await mount(fake.source, (state) => <AnomaliesTab source={fake.source} state={state} />);
    await click(buttonByText(m.root, /show entries/));
    expect(m.state.tab.value).toBe('log');
    expect(m.state.focus.value).toMatchObject({ seqFrom: 4100, seqTo: 4180 });
    expect(m.state.focus.value!.label).toContain('frame time p95');
  });

  it('shows firing, pending and recently resolved alerts; an alert\'s link finds its entries by time', async () => {
    const statuses = [
      alertStatus(),
      alertStatus({ name: 'low-fps', state: 'pending', severity: 'warning', value: 24, activeAt: 88_000, firedAt: null, summary: 'fps < 30' }),
      alertStatus({ name: 'old', state: 'resolved', severity: 'warning', resolvedAt: 10_000, summary: 'long ago' }),
      alertStatus({ name: 'slow-frames', state: 'resolved', severity: 'warning', value: 30, resolvedAt: 500_000, summary: 'frames over 50 ms' }),
      alertStatus({ name: 'quiet', state: 'inactive', severity: 'warning', summary: 'never' }),
    ];
    const fake = fakeSource({
      snap: snapshot({ elapsed: 600_000 }),
      alerts: { statuses, rules: RULES },
      query: (q) => [span(q.order === 'oldest' ? 3000 : 4400)],
    });
    m = await mount(fake.source, (state) => <AnomaliesTab source={fake.source} state={state} />);
    const cards = [...m.root.querySelectorAll('article.card')];
    expect(cards.map((c) => c.getAttribute('aria-label'))).toEqual(['firing alert error-rate', 'pending alert low-fps', 'resolved alert slow-frames']);
    expect(cards[2]!.textContent).toContain('resolved at 500.000s');
    expect(cards[0]!.textContent).toContain('12% against > 5.0%');
    expect(cards[0]!.textContent).toContain('firing since 75.000s');
    expect(cards[1]!.textContent).toContain('24 fps');
    await click(cards[0]!.querySelector('button.show-entries'));
    expect(fake.calls.query!.map(([q]) => q)).toEqual([
      { fromTs: 70_000, toTs: 600_000, order: 'oldest', limit: 1 },
      { fromTs: 70_000, toTs: 600_000, order: 'newest', limit: 1 },
    ]);
    expect(m.state.focus.value).toEqual({ seqFrom: 3000, seqTo: 4400, label: 'alert error-rate' });
    expect(m.state.tab.value).toBe('log');
  });

  it('says the detectors learn for 30 seconds when there is nothing yet', async () => {
    const fake = fakeSource();
    m = await mount(fake.source, (state) => <AnomaliesTab source={fake.source} state={state} />);
    expect(m.root.querySelector('.empty')!.textContent).toMatch(/learn .* for 30 seconds/);
  });

  it('says when analytics are off', async () => {
    const fake = fakeSource({ snap: snapshot({ analytics: false }) });
    m = await mount(fake.source, (state) => <AnomaliesTab source={fake.source} state={state} />);
    expect(m.root.querySelector('.analytics-off')!.textContent).toContain('analytics are off');
    expect(fake.calls.anomalies).toBeUndefined();
  });

  it('renders the reason as text', async () => {
    const evil = '<b onclick=x>bold</b>';
    const fake = fakeSource({ anomalies: { anomalies: [anomaly({ reason: evil, agent: evil })], total: 1 } });
    m = await mount(fake.source, (state) => <AnomaliesTab source={fake.source} state={state} />);
    expect(m.root.querySelector('.card-reason b')).toBeNull();
    expect(m.root.querySelector('.card-reason')!.textContent).toBe(evil);
  });
});

describe('alerts shown', () => {
  it('keeps resolved alerts for five minutes, firing first', () => {
    const list = shownAlerts(
      [alertStatus({ name: 'r', state: 'resolved', resolvedAt: 100_000 }), alertStatus({ name: 'p', state: 'pending' }), alertStatus({ name: 'f' })],
      350_000,
    );
    expect(list.map((a) => a.name)).toEqual(['f', 'p', 'r']);
    expect(shownAlerts([alertStatus({ state: 'resolved', resolvedAt: 100_000 })], 500_000)).toEqual([]);
  });
});
