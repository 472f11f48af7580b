/**
 * The emergency log: when the page hides or goes away, what the store has not
 * yet written goes to localStorage (else sessionStorage) synchronously (a
 * worker's open transaction dies with the page), and the next load replays it
 * into the store with its original session and seq. What no storage takes is
 * named in a marker, and the next load counts it as lost.
 */
import { batchFromPlain, batchToPlain } from './columns';
import type { BatchMessage } from './protocol';

export interface EmergencyRecord {
  sessionId: string;
  batches: BatchMessage[];
  /** Entries lost whose seqs are not known (a marker too small for them, or an older version's record). */
  dropped: number;
  /**
   * The batches no storage could take, as [firstSeq, lastSeq, count]: the
   * next page counts as lost those the store had not written when the page
   * died (it writes in seq order, so those past the session's last stored seq).
   */
  unsaved?: [number, number, number][];
}

/** Storage as far as we use it; localStorage in the page. */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

/** What one save managed: entries written in a record, entries only counted, and whether the count could be left. */
export interface SaveOutcome {
  saved: number;
  unsaved: number;
  /** False when no storage took even the marker: those `unsaved` entries may be lost uncounted. */
  marked: boolean;
}

function emergencyPrefix(dbName: string): string {
  return `trace-agent:emergency:${dbName}:`;
}

export function emergencyKey(dbName: string, sessionId: string): string {
  return emergencyPrefix(dbName) + sessionId;
}

/** The key of the marker of what could not be saved, next to the record's. */
function markerKey(key: string): string {
  return `${key}:unsaved`;
}

/**
 * Writes the batches not yet stored to the first storage that takes them
 * (localStorage, then sessionStorage), the oldest first (what survives is
 * contiguous with what was stored), within `maxChars` of text per storage;
 * a storage that refuses (the game's own data fills the origin's quota, or
 * setItem throws) takes fewer, and the rest goes to the next one. What none
 * takes is named in a small marker, so that the next page counts it: a
 * reload loses nothing it does not count, unless no storage takes even the marker.
 */
export function saveEmergency(
  storages: readonly (KeyValueStorage | null)[],
  key: string,
  sessionId: string,
  batches: readonly BatchMessage[],
  maxChars: number,
): SaveOutcome {
  let total = 0;
  for (const b of batches) total += b.count;
  // Our own earlier records first: they hold a prefix of these batches, and free room.
  clearEmergency(storages, key);
  if (batches.length === 0) return { saved: 0, unsaved: 0, marked: true };
  const texts = batches.map((b) => JSON.stringify({ ...b, cols: batchToPlain(b.cols) })); // the size it really takes, escapes included
  const head = `{"sessionId":${JSON.stringify(sessionId)},"dropped":0,"batches":[`;
  let next = 0;
  let saved = 0;
  for (const storage of storages) {
    if (!storage || next >= batches.length) continue;
    let fit = 0;
    let chars = head.length + 2;
    while (next + fit < batches.length && chars + texts[next + fit]!.length + 1 <= maxChars) chars += texts[next + fit++]!.length + 1;
    // On refusal, the older half, and so on.
    for (let n = fit; n > 0; n = Math.floor(n / 2)) {
      if (trySet(storage, key, `${head}${texts.slice(next, next + n).join(',')}]}`)) {
        for (let i = next; i < next + n; i++) saved += batches[i]!.count;
        next += n;
        break;
      }
    }
  }
  const rest = batches.slice(next);
  if (rest.length === 0) return { saved, unsaved: 0, marked: true };
  const unsaved = total - saved;
  const ranges = rest.map((b) => [b.firstSeq, b.lastSeq, b.count]);
  const marker = `{"sessionId":${JSON.stringify(sessionId)},"dropped":0,"batches":[],"unsaved":${JSON.stringify(ranges)}}`;
  // Without the ranges if even that is too big: the count alone, taken as lost.
  const short = `{"sessionId":${JSON.stringify(sessionId)},"dropped":${unsaved},"batches":[]}`;
  for (const text of [marker, short]) {
    for (const storage of storages) {
      if (storage && trySet(storage, markerKey(key), text)) return { saved, unsaved, marked: true };
    }
  }
  return { saved, unsaved, marked: false };
}

function trySet(storage: KeyValueStorage, key: string, value: string): boolean {
  try {
    storage.setItem(key, value);
    return true;
  } catch {
    return false; // quota, or a page that broke setItem
  }
}

/** Removes this page's record and marker from every storage (the page is alive again, or saves anew). */
export function clearEmergency(storages: readonly (KeyValueStorage | null)[], key: string): void {
  for (const storage of storages) {
    safeRemove(storage, key);
    safeRemove(storage, markerKey(key));
  }
}

/** Whether any of the storages takes a write now: where none does, a reload may lose what is pending uncounted. */
export function emergencyWritable(storages: readonly (KeyValueStorage | null)[], dbName: string): boolean {
  const probe = `${emergencyPrefix(dbName)}probe`;
  for (const storage of storages) {
    if (storage && trySet(storage, probe, '1')) {
      safeRemove(storage, probe);
      return true;
    }
  }
  return false;
}

/** An earlier page's records (from every storage), merged: its batches in seq order, where they were kept. */
export interface LoadedEmergency {
  record: EmergencyRecord;
  places: { storage: KeyValueStorage; key: string }[];
}

/** Reads every well-formed emergency record of this database, merged per session; removes the ones that are not. */
export function loadEmergency(storages: readonly (KeyValueStorage | null)[], dbName: string): LoadedEmergency[] {
  const bySession = new Map<string, LoadedEmergency>();
  const prefix = emergencyPrefix(dbName);
  for (const storage of storages) {
    if (!storage) continue;
    try {
      const keys: string[] = [];
      for (let i = 0; i < storage.length; i++) {
        const k = storage.key(i);
        if (k && k.startsWith(prefix)) keys.push(k);
      }
      for (const key of keys) {
        const record = parseRecord(storage.getItem(key));
        if (!record) {
          safeRemove(storage, key); // unreadable: it would fail on every load
          continue;
        }
        const seen = bySession.get(record.sessionId);
        if (!seen) {
          bySession.set(record.sessionId, { record, places: [{ storage, key }] });
          continue;
        }
        seen.places.push({ storage, key });
        seen.record.batches.push(...record.batches);
        seen.record.dropped += record.dropped;
        if (record.unsaved) seen.record.unsaved = [...(seen.record.unsaved ?? []), ...record.unsaved];
      }
    } catch {
      /* storage denied: what was read so far */
    }
  }
  const out = [...bySession.values()];
  for (const e of out) e.record.batches.sort((a, b) => a.firstSeq - b.firstSeq);
  return out;
}

/** A record as saved by `saveEmergency`, or null when any part of it is not. */
function parseRecord(text: string | null): EmergencyRecord | null {
  if (!text) return null;
  try {
    const r = JSON.parse(text) as Partial<EmergencyRecord>;
    if (typeof r.sessionId !== 'string' || typeof r.dropped !== 'number' || !Array.isArray(r.batches)) return null;
    if (r.unsaved !== undefined && !(Array.isArray(r.unsaved) && r.unsaved.every((u) => Array.isArray(u) && u.length === 3 && u.every((x) => typeof x === 'number')))) return null;
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

/** localStorage (or sessionStorage), or null where the page may not use it (sandboxed frames, some private modes). */
export function pageStorage(which: 'localStorage' | 'sessionStorage' = 'localStorage'): KeyValueStorage | null {
  try {
    const s = (globalThis as { localStorage?: Storage; sessionStorage?: Storage })[which];
    return s ?? null;
  } catch {
    return null;
  }
}
