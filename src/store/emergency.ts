/**
 * The emergency log: when the page hides or goes away, what the store has not
 * yet written goes to localStorage (else sessionStorage) synchronously (a
 * worker's open transaction dies with the page), and the next load replays it
 * into the store with its original session and seq. What no storage takes is
 * named in a marker, and the next load counts it as lost.
 */
import { isArray, join, jsonParse, jsonStringify, mapForEach, push, slice } from '../core/builtins';
import { batchFromPlain, batchToPlain, copyJson } from '../core/columns';
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
  // Captured builtins, index loops and a JSON writer that ignores toJSON: the
  // page may have broken any of them by the time it hides (issue 14).
  let total = 0;
  for (let i = 0; i < batches.length; i++) total += batches[i]!.count;
  // Our own earlier records first: they hold a prefix of these batches, and free room.
  clearEmergency(storages, key);
  if (batches.length === 0) return { saved: 0, unsaved: 0, marked: true };
  const texts: string[] = [];
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    texts[i] = copyJson({ type: b.type, sessionId: b.sessionId, startedAt: b.startedAt, firstSeq: b.firstSeq, lastSeq: b.lastSeq, count: b.count, cols: batchToPlain(b.cols) }) ?? 'null'; // the size it really takes, escapes included
  }
  const head = `{"sessionId":${jsonStringify(sessionId)},"dropped":0,"batches":[`;
  let next = 0;
  let saved = 0;
  for (let si = 0; si < storages.length; si++) {
    const storage = storages[si];
    if (!storage || next >= batches.length) continue;
    let fit = 0;
    let chars = head.length + 2;
    while (next + fit < batches.length && chars + texts[next + fit]!.length + 1 <= maxChars) chars += texts[next + fit++]!.length + 1;
    // On refusal, the older half, and so on.
    for (let n = fit; n > 0; n = Math.floor(n / 2)) {
      if (trySet(storage, key, `${head}${join(slice(texts, next, next + n), ',')}]}`)) {
        for (let i = next; i < next + n; i++) saved += batches[i]!.count;
        next += n;
        break;
      }
    }
  }
  if (next >= batches.length) return { saved, unsaved: 0, marked: true };
  const unsaved = total - saved;
  let ranges = '';
  for (let i = next; i < batches.length; i++) {
    const b = batches[i]!;
    ranges += `${i > next ? ',' : ''}[${numberJson(b.firstSeq)},${numberJson(b.lastSeq)},${numberJson(b.count)}]`;
  }
  const marker = `{"sessionId":${jsonStringify(sessionId)},"dropped":0,"batches":[],"unsaved":[${ranges}]}`;
  // Without the ranges if even that is too big: the count alone, taken as lost.
  const short = `{"sessionId":${jsonStringify(sessionId)},"dropped":${numberJson(unsaved)},"batches":[]}`;
  const texts2 = [marker, short];
  for (let t = 0; t < texts2.length; t++) {
    for (let si = 0; si < storages.length; si++) {
      const storage = storages[si];
      if (storage && trySet(storage, markerKey(key), texts2[t]!)) return { saved, unsaved, marked: true };
    }
  }
  return { saved, unsaved, marked: false };
}

function numberJson(n: number): string {
  return n - n === 0 ? jsonStringify(n) : 'null';
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
  for (let si = 0; si < storages.length; si++) {
    const storage = storages[si] ?? null; // safeRemove takes a missing storage
    safeRemove(storage, key);
    safeRemove(storage, markerKey(key));
  }
}

/** Whether any of the storages takes a write now: where none does, a reload may lose what is pending uncounted. */
export function emergencyWritable(storages: readonly (KeyValueStorage | null)[], dbName: string): boolean {
  const probe = `${emergencyPrefix(dbName)}probe`;
  for (let si = 0; si < storages.length; si++) {
    const storage = storages[si];
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
  for (let si = 0; si < storages.length; si++) {
    const storage = storages[si];
    if (!storage) continue;
    try {
      const keys: string[] = [];
      for (let i = 0; i < storage.length; i++) {
        const k = storage.key(i);
        if (k && k.startsWith(prefix)) push(keys, k);
      }
      for (let ki = 0; ki < keys.length; ki++) {
        const key = keys[ki]!;
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
        push(seen.places, { storage, key });
        for (let i = 0; i < record.batches.length; i++) push(seen.record.batches, record.batches[i]!);
        seen.record.dropped += record.dropped;
        if (record.unsaved) {
          const into = seen.record.unsaved ?? (seen.record.unsaved = []);
          for (let i = 0; i < record.unsaved.length; i++) push(into, record.unsaved[i]!);
        }
      }
    } catch {
      /* storage denied: what was read so far */
    }
  }
  const out: LoadedEmergency[] = [];
  mapForEach(bySession, (e) => {
    sortByFirstSeq(e.record.batches);
    push(out, e);
  });
  return out;
}

/** Insertion sort by firstSeq (a few batches; the page may have replaced Array.prototype.sort). */
function sortByFirstSeq(bs: BatchMessage[]): void {
  for (let i = 1; i < bs.length; i++) {
    const b = bs[i]!;
    let j = i - 1;
    for (; j >= 0 && bs[j]!.firstSeq > b.firstSeq; j--) bs[j + 1] = bs[j]!;
    bs[j + 1] = b;
  }
}

/** A record as saved by `saveEmergency`, or null when any part of it is not. */
function parseRecord(text: string | null): EmergencyRecord | null {
  if (!text) return null;
  try {
    const r = jsonParse(text) as Partial<EmergencyRecord>;
    if (!r || typeof r.sessionId !== 'string' || typeof r.dropped !== 'number' || !isArray(r.batches)) return null;
    if (r.unsaved !== undefined && !unsavedRanges(r.unsaved)) return null;
    const batches: BatchMessage[] = [];
    const raw = r.batches as (Omit<Partial<BatchMessage>, 'cols'> & { cols?: unknown })[];
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i]!;
      if (!b || typeof b !== 'object') return null;
      if (b.type !== 'batch' || b.sessionId !== r.sessionId) return null;
      if (typeof b.firstSeq !== 'number' || typeof b.lastSeq !== 'number' || typeof b.count !== 'number' || typeof b.startedAt !== 'number') return null;
      const cols = batchFromPlain(b.cols, b.count);
      if (!cols || cols.seq[0] !== b.firstSeq || cols.seq[b.count - 1] !== b.lastSeq) return null;
      push(batches, { type: 'batch', sessionId: b.sessionId, startedAt: b.startedAt, firstSeq: b.firstSeq, lastSeq: b.lastSeq, count: b.count, cols });
    }
    r.batches = batches;
    return r as EmergencyRecord;
  } catch {
    return null;
  }
}

/** Whether `u` is a list of [firstSeq, lastSeq, count] number triples. */
function unsavedRanges(u: unknown): boolean {
  if (!isArray(u)) return false;
  for (let i = 0; i < u.length; i++) {
    const t = u[i] as unknown;
    if (!isArray(t) || t.length !== 3) return false;
    for (let j = 0; j < 3; j++) if (typeof t[j] !== 'number') return false;
  }
  return true;
}

export function safeRemove(storage: KeyValueStorage | null, key: string): void {
  try {
    storage?.removeItem(key);
  } catch {
    /* storage denied: nothing to clean */
  }
}

