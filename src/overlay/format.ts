/** Short text forms of numbers and values for the overlay. Everything shown is text. */

export function formatCount(n: number): string {
  if (n < 10_000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(2)}M`;
}

/**
 * An integer with its digits in groups of three, as toLocaleString('en')
 * writes it (12,345,678), without a locale lookup: it runs in the overlay's
 * refreshes (seq ranges, counts), where toLocaleString costs tens of µs.
 * Fractions are rounded; non-finite numbers as String() writes them.
 */
export function groupDigits(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const r = Math.round(n);
  const digits = String(Math.abs(r));
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += ',' + digits.slice(i, i + 3);
  return r < 0 ? '-' + out : out;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

export function formatDuration(ms: number): string {
  // Without cross-origin isolation, browsers coarsen performance.now() to 100 µs (Chromium) or 1 ms.
  if (ms === 0) return '<0.1ms';
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

/** A share (0..1) as a percentage: a tenth below 10 %, whole above. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}

/** A one-line preview of a value, cut to `max` characters. */
export function preview(value: unknown, max = 120): string {
  if (value === undefined) return '';
  let s: string;
  try {
    s = JSON.stringify(value) ?? '';
  } catch {
    s = '[unprintable]';
  }
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
