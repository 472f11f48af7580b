// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { HealthTab, storageMode } from '../../../src/overlay/panels/health';
import { alertStatus, fakeSource, mount, RULES, snapshot, type Mounted } from './panels-fake';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const fact = (root: HTMLElement, k: string) => [...root.querySelectorAll('.fact')].find((f) => f.querySelector('dt')!.textContent === k);

describe('the health tab', () => {
  it('shows the status with its reasons, storage, counters, quota and alert rules', async () => {
    const base = snapshot();
    const fake = fakeSource({
      snap: snapshot({
        counters: { ...base.counters, dropped: 7, droppedByStore: 2, lostOnUnload: 1, internalErrors: 1 },
        hookProblems: [{ path: 'game.npc.think', reason: 'not found' }],
        unsupported: ['long-animation-frame'],
      }),
      health: { status: 'degraded', reasons: [{ status: 'degraded', what: 'drops', message: '10 entries dropped or lost' }], at: 90_000 },
      alerts: { statuses: [alertStatus()], rules: RULES },
    });
    m = await mount(fake.source, (state) => <HealthTab source={fake.source} state={state} />);
    const status = m.root.querySelector('.status')!;
    expect(status.textContent).toBe('degraded');
    expect(status.className).toContain('degraded');
    expect(m.root.querySelector('.reasons')!.textContent).toContain('10 entries dropped or lost');
    expect(m.root.querySelector('.mode')!.textContent).toBe('worker + IndexedDB');
    expect(fact(m.root, 'stored (in the ring)')!.textContent).toContain('12.3k');
    expect(fact(m.root, 'evicted')!.querySelector('dd')!.textContent).toBe('1000');
    expect(fact(m.root, 'deleted')!.querySelector('dd')!.textContent).toBe('10');
    expect(fact(m.root, 'dropped')!.className).toContain('bad');
    expect(fact(m.root, 'refused')!.querySelector('dd')!.textContent).toBe('2');
    expect(fact(m.root, 'lost')!.querySelector('dd')!.textContent).toBe('2');
    expect(fact(m.root, 'pending')!.querySelector('dd')!.textContent).toBe('10');
    expect(m.root.querySelector('.quota')!.textContent).toContain('quota used 50 MB of 1000 MB (5.00%)');
    expect(m.text()).toContain('hook game.npc.think: not found');
    expect(m.text()).toContain('long-animation-frame');
    const rules = [...m.root.querySelectorAll('table.rules tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rules).toEqual([
      ['low-fps', 'fps < 30, for 3 s, clears at 35, keeps firing 2 s', 'warning', 'inactive'],
      ['error-rate', 'errorRate > 0.05, for 5 s, clears at 0.02', 'critical', 'firing'],
    ]);
  });

  it('without analytics, says so and still shows the storage figures', async () => {
    const fake = fakeSource({ snap: snapshot({ analytics: false, store: { ...snapshot().store, thread: 'main', backend: 'memory' }, quota: null }) });
    m = await mount(fake.source, (state) => <HealthTab source={fake.source} state={state} />);
    expect(m.root.querySelector('.analytics-off')!.textContent).toContain('analytics are off');
    expect(m.root.querySelector('.mode')!.textContent).toBe('main thread + memory (lost on reload)');
    expect(m.root.querySelector('.quota')!.textContent).toContain('not reported');
    expect(fake.calls.health).toBeUndefined();
  });

  it('names every storage mode', () => {
    const s = snapshot().store;
    expect(storageMode(s).text).toBe('worker + IndexedDB');
    expect(storageMode({ ...s, thread: 'main' }).text).toBe('main thread + IndexedDB');
    expect(storageMode({ ...s, backend: 'memory' }).text).toBe('worker + memory (lost on reload)');
    expect(storageMode({ ...s, ready: false }).ok).toBe(false);
  });
});
