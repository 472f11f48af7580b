/**
 * What entries record, as JSON, without the values that are random or timed
 * (the session's UUID, timestamps and durations): a test that looks for a
 * secret in a trace must never test its pattern against those (a UUID can
 * contain `abc`, a duration any digits).
 */
const RANDOM_OR_TIMED = new Set(['sessionId', 'ts', 'dur', 'dwellMs']);

export function recorded(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (RANDOM_OR_TIMED.has(key) ? undefined : v));
}
