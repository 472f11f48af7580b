/**
 * What a thrown value becomes in an entry's `error`: plain strings, cut
 * short, and script URLs in a stack without their query and hash (signed
 * URLs carry secrets there), as page errors and agent spans both record it.
 */
import type { SpanError } from '../core/entry';

/** An Error's name, message and stack as plain strings; undefined for anything else. */
export function toSpanError(value: unknown): SpanError | undefined {
  try {
    if (!(value instanceof Error)) return undefined;
    // String(): a thrown Error may carry anything in these fields.
    const e: SpanError = { name: cut(value.name, 100), message: cut(value.message, 2_000) };
    if (value.stack) e.stack = cut(String(value.stack).replace(/(https?:\/\/[^\s?#)]+)[?#][^\s):]*/g, '$1'), 4_000);
    return e;
  } catch {
    return { name: 'Error', message: 'unprintable error' };
  }
}

/** At most `max` characters of `v` as text, marked when cut. */
export function cut(v: unknown, max: number): string {
  const s = String(v ?? '');
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** A URL without query string or hash, as the session URL is recorded. */
export function stripQuery(url: string): string {
  const i = url.search(/[?#]/);
  return i < 0 ? url : url.slice(0, i);
}
