/**
 * The emergency log: on pagehide the un-acked tail goes to localStorage
 * synchronously (a worker's open transaction dies with the page), and the next
 * load replays it into the store with its original session and seq.
 */
import type { BatchMessage } from './protocol';

export interface EmergencyRecord {
  sessionId: string;
  batches: BatchMessage[];
  /** Entries that did not fit in the budget and are lost. */
  dropped: number;
}

/** Storage as far as we use it; localStorage in the page. */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

export function emergencyKey(dbName: string, sessionId: string): string {
  return `trace-agent:emergency:${dbName}:${sessionId}`;
}

/**
 * Writes the oldest batches that fit in `maxChars` (the oldest first, so what
 * survives is contiguous with what was stored). Returns the entries dropped.
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
  if (!storage || batches.length === 0) {
    if (storage) safeRemove(storage, key);
    return storage ? 0 : total;
  }
  const kept: BatchMessage[] = [];
  let chars = 200;
  let keptCount = 0;
  for (const b of batches) {
    chars += b.json.length + 200;
    if (chars > maxChars) break;
    kept.push(b);
    keptCount += b.count;
  }
  const record: EmergencyRecord = { sessionId, batches: kept, dropped: total - keptCount };
  try {
    storage.setItem(key, JSON.stringify(record));
    return record.dropped;
  } catch {
    return total; // quota or access denied: nothing could be saved
  }
}

/** Reads and returns every emergency record of this database. */
export function loadEmergency(storage: KeyValueStorage | null, dbName: string): { key: string; record: EmergencyRecord }[] {
  if (!storage) return [];
  const prefix = `trace-agent:emergency:${dbName}:`;
  const out: { key: string; record: EmergencyRecord }[] = [];
  try {
    const keys: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i);
      if (k && k.startsWith(prefix)) keys.push(k);
    }
    for (const key of keys) {
      const text = storage.getItem(key);
      try {
        const record = text ? (JSON.parse(text) as EmergencyRecord) : null;
        if (record && Array.isArray(record.batches)) out.push({ key, record });
        else safeRemove(storage, key);
      } catch {
        safeRemove(storage, key); // unreadable: it would fail forever
      }
    }
  } catch {
    return out;
  }
  return out;
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
