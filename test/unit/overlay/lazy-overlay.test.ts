// @vitest-environment happy-dom
/** The overlay before its first open (src/agent/lazy-overlay.ts): only a hotkey, then the loaded overlay's handle. */
import { describe, expect, it } from 'vitest';
import { LazyOverlay } from '../../../src/agent/lazy-overlay';
import type { MountOverlay } from '../../../src/agent/overlay-loader';
import type { OverlayHandle } from '../../../src/overlay/mount';
import type { OverlaySource } from '../../../src/overlay/source';

const source = {} as OverlaySource;
const press = () => {
  const ev = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, code: 'KeyD', altKey: true, shiftKey: true });
  window.dispatchEvent(ev);
  return ev.defaultPrevented;
};
const settled = async () => {
  for (let i = 0; i < 5; i++) await undefined;
};

/** A mount that records how it was called and hands back a plain handle. */
function fakeMount() {
  const calls: { open: boolean; byKey?: boolean }[] = [];
  let open = false;
  const handle: OverlayHandle = {
    open: () => (open = true),
    close: () => (open = false),
    toggle: () => (open = !open),
    get isOpen() {
      return open;
    },
    destroy: () => calls.push({ open: false, byKey: undefined }),
  };
  const mount: MountOverlay = (_s, o) => {
    calls.push({ open: o.open, byKey: o.byKey });
    open = o.open;
    return handle;
  };
  return { calls, mount };
}

describe('the lazy overlay', () => {
  it('loads once, on the first open, and mounts it as the last ask while loading said', async () => {
    const { calls, mount } = fakeMount();
    let loads = 0;
    const faults: string[] = [];
    const lazy = new LazyOverlay(source, { hotkey: 'Alt+Shift+D', onFault: (r) => faults.push(r) }, async () => {
      loads++;
      return mount;
    });
    lazy.close();
    expect(loads).toBe(0);
    expect(press()).toBe(true); // the hotkey is ours, even before the overlay's code is here
    expect(lazy.isOpen).toBe(true);
    lazy.toggle(); // closed again while loading
    lazy.open();
    expect(loads).toBe(1);
    await settled();
    expect(calls).toEqual([{ open: true, byKey: false }]);
    expect(lazy.isOpen).toBe(true);
    // Mounted: the page's hotkey listener is gone (the mounted overlay has its own).
    expect(press()).toBe(false);
    lazy.close();
    expect(lazy.isOpen).toBe(false);
    expect(loads).toBe(1);
    expect(faults).toEqual([]);
    lazy.destroy();
  });

  it('fails closed when its code cannot load: said once, the hotkey released, later opens do nothing', async () => {
    const faults: string[] = [];
    let loads = 0;
    const lazy = new LazyOverlay(source, { hotkey: 'Alt+Shift+D', onFault: (r) => faults.push(r) }, () => {
      loads++;
      return Promise.reject(new Error('x.overlay.js could not be loaded'));
    });
    lazy.open();
    await settled();
    expect(faults).toEqual(['the overlay could not be loaded: x.overlay.js could not be loaded']);
    expect(lazy.isOpen).toBe(false);
    expect(press()).toBe(false);
    lazy.open();
    lazy.toggle();
    await settled();
    expect(loads).toBe(1);
    expect(faults).toHaveLength(1);
    lazy.destroy();
  });

  it('destroyed while loading: mounts nothing', async () => {
    const { calls, mount } = fakeMount();
    let release: (m: MountOverlay) => void = () => {};
    const lazy = new LazyOverlay(source, { hotkey: 'Alt+Shift+D', onFault: () => {} }, () => new Promise((r) => (release = r)));
    lazy.open();
    lazy.destroy();
    release(mount);
    await settled();
    expect(calls).toEqual([]);
    expect(press()).toBe(false);
  });
});
