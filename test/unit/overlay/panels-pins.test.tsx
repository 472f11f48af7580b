// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { HealthTab } from '../../../src/overlay/panels/health';
import { buttonByText, click, fakeSource, mount, snapshot, type Mounted } from './panels-fake';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const items = (root: HTMLElement) => [...root.querySelectorAll('.pin-list li')].map((li) => li.textContent ?? '');

describe('the health tab\'s pins', () => {
  it('lists the pins with what they hold and how many were released', async () => {
    const fake = fakeSource({
      snap: snapshot({ analytics: false }), // pins are the store's: shown without analytics too
      pins: {
        pins: [
          { id: 3, sessionId: 's1', fromTs: 20_000, toTs: 35_000, reason: 'anomaly', label: 'frameTime spike', entries: 1_500, blocks: 2 },
          { id: 4, sessionId: 's1', fromTs: 60_000, toTs: 90_000, reason: 'user', label: 'the last 30 s', entries: 800, blocks: 1 },
        ],
        released: 2,
        pinnedEntries: 2_300,
      },
    });
    m = await mount(fake.source, (state) => <HealthTab source={fake.source} state={state} />);
    const list = items(m.root);
    expect(list).toHaveLength(2);
    expect(list[0]).toContain('anomaly');
    expect(list[0]).toContain('frameTime spike');
    expect(list[0]).toContain('20.000s–35.000s');
    expect(list[0]).toContain('1500 entries');
    expect(list[1]).toContain('the last 30 s');
    const bar = m.root.querySelector('.pin-bar')!.textContent!;
    expect(bar).toContain('2300 entries pinned');
    expect(bar).toContain('2 released');
  });

  it('pins the last 30 s with its button and unpins with each pin\'s', async () => {
    const fake = fakeSource();
    m = await mount(fake.source, (state) => <HealthTab source={fake.source} state={state} />);
    expect(m.text()).toContain('No pins');
    await click(buttonByText(m.root, 'Pin last 30 s'));
    expect(fake.calls.pin).toEqual([[30_000]]);
    expect(items(m.root)).toHaveLength(1);
    expect(items(m.root)[0]).toContain('user');
    await click(m.root.querySelector('button.unpin'));
    expect(fake.calls.unpin).toEqual([[1]]);
    expect(items(m.root)).toEqual([]);
    expect(m.text()).toContain('No pins');
  });

  it('says why when the store cannot list them', async () => {
    const fake = fakeSource();
    fake.source.pins = () => Promise.reject(new Error('no store is running'));
    m = await mount(fake.source, (state) => <HealthTab source={fake.source} state={state} />);
    expect(m.root.querySelector('.pins .problems')!.textContent).toContain('no store is running');
  });

  it('says when the pins could not be saved, and how often', async () => {
    const fake = fakeSource({ pins: { pins: [], released: 0, pinnedEntries: 0, saveFailures: 3, lastFailure: 'the pins could not be saved: QuotaExceededError' } });
    m = await mount(fake.source, (state) => <HealthTab source={fake.source} state={state} />);
    const problem = m.root.querySelector('.pins .problems')!.textContent!;
    expect(problem).toContain('the pins could not be saved: QuotaExceededError');
    expect(problem).toContain('3 failed');
  });
});
