// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { usePolling } from '../../../src/overlay/charts';

afterEach(() => {
  vi.useRealTimers();
});

function Poller({ tick, ms, phase }: { tick: () => void; ms: number; phase?: number }) {
  usePolling(tick, ms, [], phase);
  return null;
}

async function mountPoller(ms: number, phase?: number) {
  const host = document.createElement('div');
  const tick = vi.fn();
  await act(() => render(<Poller tick={tick} ms={ms} phase={phase} />, host));
  return { tick, unmount: () => render(null, host) };
}

describe('usePolling', () => {
  it('ticks at once, then every period', async () => {
    vi.useFakeTimers();
    const p = await mountPoller(100);
    expect(p.tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(p.tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.tick).toHaveBeenCalledTimes(2);
    p.unmount();
    await vi.advanceTimersByTimeAsync(500);
    expect(p.tick).toHaveBeenCalledTimes(2);
  });

  it('with a phase: ticks at once, then `phase` into each period', async () => {
    vi.useFakeTimers();
    const p = await mountPoller(100, 50);
    expect(p.tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(49);
    expect(p.tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.tick).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(99);
    expect(p.tick).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.tick).toHaveBeenCalledTimes(3);
  });

  it('unmounted before its phase: never ticks again', async () => {
    vi.useFakeTimers();
    const p = await mountPoller(100, 50);
    p.unmount();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(p.tick).toHaveBeenCalledTimes(1);
  });
});
