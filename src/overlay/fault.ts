/**
 * The overlay's circuit breaker. Anything of ours that fails inside the
 * overlay (a render, an effect, a poll) reports here, once; the mount then
 * takes the overlay down for the rest of the page and says why in health,
 * rather than failing again on every frame (a page that broke a builtin
 * Preact needs, such as Array.prototype.push, breaks it for good).
 */
let onFault: ((err: unknown) => void) | null = null;

/** Set by mount.tsx (one overlay per page); null to stop listening. */
export function setFaultHandler(handler: ((err: unknown) => void) | null): void {
  onFault = handler;
}

export function reportFault(err: unknown): void {
  try {
    onFault?.(err);
  } catch {
    /* the breaker itself failed: nothing left to do */
  }
}
