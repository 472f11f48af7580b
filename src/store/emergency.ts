/**
 * The emergency log: when the page hides or goes away, what the store has not
 * yet written goes to localStorage synchronously (a worker's open transaction
 * dies with the page), and the next load replays it into the store with its
 * original session and seq.
 */
import { batchFromPlain, batchToPlain } from './columns';
import type { BatchMessage } from './protocol';

export interface EmergencyRecord {
  sessionId: string;
  batches: BatchMessage[];
  /** Entries that did not fit in the budget and are lost. */
  dropped: number;
}

/** Storage as far as we use it; localStorage in the page. */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

function emergencyPrefix(dbName: string): string {
  return `trace-agent:emergency:${dbName}:`;
}

export function emergencyKey(dbName: string, sessionId: string): string {
  return emergencyPrefix(dbName) + sessionId;
}

/**
 * Writes the oldest batches that fit in `maxChars` of stored text (the oldest
 * first, so what survives is contiguous with what was stored), fewer if the
 * origin's quota refuses. Returns the entries that could not be saved.
 */
export function saveEmergency(
  storage: KeyValueStorage | null,
  key: string,
  sessionId: string,
  batches: readonly BatchMessage[],
  maxChars: number,
): number {
  let total = 0;
  for (const b of batches) total += b.count;
  if (!storage) return total;
  if (batches.length === 0) {
    safeRemove(storage, key);
    return 0;
  }
  const parts: string[] = [];
  let chars = 64;
  for (const b of batches) {
    const text = JSON.stringify({ ...b, cols: batchToPlain(b.cols) }); // the size it really takes, escapes included
    if (chars + text.length + 1 > maxChars) break;
    parts.push(text);
    chars += text.length + 1;
  }
  // The game's own data shares the origin's quota: on refusal, keep the older half.
  for (let n = parts.length; n > 0; n = Math.floor(n / 2)) {
    let kept = 0;
    for (let i = 0; i < n; i++) kept += batches[i]!.count;
    try {
      storage.setItem(key, `{"sessionId":${JSON.stringify(sessionId)},"dropped":${total - kept},"batches":[${parts.slice(0, n).join(',')}]}`);
      return total - kept;
    } catch {
      /* quota: try with fewer */
    }
  }
  safeRemove(storage, key);
  return total;
}

/** Reads every well-formed emergency record of this database; removes the ones that are not. */
export function loadEmergency(storage: KeyValueStorage | null, dbName: string): { key: string; record: EmergencyRecord }[] {
  if (!storage) return [];
  const prefix = emergencyPrefix(dbName);
  const out: { key: string; record: EmergencyRecord }[] = [];
  try {
    const keys: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i);
      if (k && k.startsWith(prefix)) keys.push(k);
    }
    for (const key of keys) {
      const record = parseRecord(storage.getItem(key));
      if (record) out.push({ key, record });
      else safeRemove(storage, key); // unreadable: it would fail on every load
    }
  } catch {
    return out;
  }
  return out;
}

/** A record as saved by `saveEmergency`, or null when any part of it is not. */
function parseRecord(text: string | null): EmergencyRecord | null {
  if (!text) return null;
  try {
    const r = JSON.parse(text) as Partial<EmergencyRecord>;
    if (typeof r.sessionId !== 'string' || typeof r.dropped !== 'number' || !Array.isArray(r.batches)) return null;
    const batches: BatchMessage[] = [];
    for (const b of r.batches as (Omit<Partial<BatchMessage>, 'cols'> & { cols?: unknown })[]) {
      if (b.type !== 'batch' || b.sessionId !== r.sessionId) return null;
      if (typeof b.firstSeq !== 'number' || typeof b.lastSeq !== 'number' || typeof b.count !== 'number' || typeof b.startedAt !== 'number') return null;
      const cols = batchFromPlain(b.cols, b.count);
      if (!cols || cols.seq[0] !== b.firstSeq || cols.seq[b.count - 1] !== b.lastSeq) return null;
      batches.push({ type: 'batch', sessionId: b.sessionId, startedAt: b.startedAt, firstSeq: b.firstSeq, lastSeq: b.lastSeq, count: b.count, cols });
    }
    r.batches = batches;
    return r as EmergencyRecord;
  } catch {
    return null;
  }
}

export function safeRemove(storage: KeyValueStorage | null, key: string): void {
  try {
    storage?.removeItem(key);
  } catch {
    /* storage denied: nothing to clean */
  }
}

/** localStorage, or null where the page may not use it (sandboxed frames, some private modes). */
export function pageStorage(): KeyValueStorage | null {
  try {
    const s = (globalThis as { localStorage?: Storage }).localStorage;
    return s ?? null;
  } catch {
    return null;
  }
}
