/**
 * Where the overlay's code comes from, set by the entry (as the worker's
 * routes are): the drop-in script loads dist/trace-agent.overlay.js from
 * beside its own URL (script-part.ts), the ESM build imports its overlay
 * chunk. Either way nothing of the overlay is fetched, parsed or run before
 * it is first opened (lazy-overlay.ts).
 */
import { rejected } from '../core/builtins';
import type { mountOverlay } from '../overlay/mount';

export type MountOverlay = typeof mountOverlay;
export type OverlayLoader = () => Promise<MountOverlay>;

let loader: OverlayLoader = () => rejected(new Error('no way to load the overlay on this page'));

export function setOverlayLoader(next: OverlayLoader): void {
  loader = next;
}

/** Loads the overlay's code (each call may load it again: the lazy overlay calls it once). */
export function loadOverlay(): Promise<MountOverlay> {
  return loader();
}
