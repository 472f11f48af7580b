import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { formatDuration, formatSeconds, preview } from '../../../src/overlay/format';
import { entryKey, rowId, RowTextCache } from '../../../src/overlay/panels/log-row-text';

function entry(seq: number, over: Partial<TraceEntry> = {}): TraceEntry {
  return { seq, sessionId: 's-1.a', ts: 1234.5678, frame: 7, kind: 'custom', type: 'tick', level: 'info', data: { i: seq }, ...over } as TraceEntry;
}

describe("the log rows' text cache", () => {
  it('formats what a row shows as the formatters do', () => {
    const t = new RowTextCache().get(entry(3, { dur: 1.5 }));
    expect(t).toEqual({ id: 'log-row-s-1_a_3', title: 'tick · frame 7', seq: '#3', ts: formatSeconds(1234.5678), dur: formatDuration(1.5), data: preview({ i: 3 }) });
    expect(new RowTextCache().get(entry(3)).dur).toBe('');
  });

  it("previews an agent call's args, or its error's message", () => {
    const cache = new RowTextCache();
    expect(cache.get(entry(1, { kind: 'agent', status: 'ok', args: [1, 'a'] } as Partial<TraceEntry>)).data).toBe(preview([1, 'a']));
    expect(cache.get(entry(2, { kind: 'agent', status: 'error', args: [1], error: { name: 'Error', message: 'boom' } } as Partial<TraceEntry>)).data).toBe(preview('boom'));
  });

  it('formats an entry once, by session and seq: a copy of it fetched again gets the same text', () => {
    const cache = new RowTextCache();
    const a = cache.get(entry(5));
    expect(cache.get({ ...entry(5) })).toBe(a);
    expect(cache.get(entry(5, { sessionId: 'other' }))).not.toBe(a);
    expect(cache.get(entry(6))).not.toBe(a);
  });

  it('keeps at most its bound, the least recently used going first', () => {
    const cache = new RowTextCache(3);
    const first = cache.get(entry(1));
    const second = cache.get(entry(2));
    cache.get(entry(3));
    cache.get(entry(1)); // used again: entry 2 is now the oldest
    cache.get(entry(4));
    expect(cache.size).toBe(3);
    expect(cache.get(entry(1))).toBe(first);
    const again = cache.get(entry(2)); // evicted: formatted anew, to the same text
    expect(again).not.toBe(second);
    expect(again).toEqual(second);
    expect(cache.size).toBe(3);
  });

  it('makes ids of word characters from the key', () => {
    expect(entryKey(entry(9))).toBe('s-1.a:9');
    expect(rowId('a b:c/9')).toBe('log-row-a_b_c_9');
  });
});
