/**
 * What a thrown value becomes in an entry's `error`: plain strings, cut
 * short, and script URLs in a stack without their query and hash (signed
 * URLs carry secrets there). The one rule for page errors, agent spans and
 * network spans.
 */
import type { SpanError } from '../core/entry';
import { errorMessage } from '../core/errors';

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

/**
 * Anything thrown or rejected, as a span's `error`: an Error as above; an
 * error-like object (a DOMException of another realm, `{ name, message }`)
 * by its name and message; anything else as a `NonError` with its text.
 */
export function spanError(value: unknown): SpanError {
  const e = toSpanError(value);
  if (e) return e;
  try {
    if (isErrorLike(value)) return { name: cut(value.name, 100), message: cut(value.message, 2_000) };
    return { name: 'NonError', message: cut(errorMessage(value), 1_000) };
  } catch {
    return { name: 'Error', message: 'unprintable error' };
  }
}

/** An object with a name and a message (what a rejection of fetch gives, of any realm). */
export function isErrorLike(value: unknown): value is { name: unknown; message: unknown } {
  return !!value && typeof value === 'object' && 'name' in value && 'message' in value;
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
