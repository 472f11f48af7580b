/**
 * The emergency logs of earlier pages (emergency.ts), replayed into the store
 * on load: each gone page's batches are sent as its own, and once the store
 * has them all, what they hold is counted recovered, what its page could not
 * save anywhere is counted lost, once, and the record goes.
 *
 * Captured builtins and index loops only: this runs on the page's side.
 */
import { mapForEach, rejected, settle } from '../core/builtins';
import type { SessionInfo } from '../core/entry';
import { loadEmergency, safeRemove, type EmergencyRecord, type KeyValueStorage, type LoadedEmergency } from './emergency';
import type { Backend, BatchMessage } from './protocol';
import type { SessionLocks } from './session-lock';

interface Replay {
  record: EmergencyRecord;
  places: LoadedEmergency['places'];
  count: number;
  duplicates: number;
  nacked: number;
  /** Set once all its batches are settled: later acks of the same session (a resend after a failover) count nothing again. */
  counted: boolean;
  done: () => void;
}

/** The client's counters a replay adds to. */
export interface ReplayCounters {
  recovered: number;
  droppedStore: number;
  droppedEmergency: number;
}

export interface ReplayDeps {
  storages: readonly (KeyValueStorage | null)[];
  dbName: string;
  /** This page's session: its own record (a reload of itself) is removed, not replayed. */
  sessionId: string;
  locks: SessionLocks;
  counters: ReplayCounters;
  /** Tracks and posts a batch of an earlier page. */
  send: (batch: BatchMessage) => void;
  /** The store's sessions (for the last stored seq of a replayed one). */
  sessions: () => Promise<SessionInfo[]>;
  backend: () => Backend | null;
  closed: () => boolean;
}

export class EmergencyReplay {
  /** Emergency records being replayed, by session: removed from storage once stored. */
  private readonly replays = new Map<string, Replay>();

  constructor(private readonly deps: ReplayDeps) {}

  /** Replays every earlier page's record that is gone (see SessionLocks). */
  start(): void {
    const loaded = loadEmergency(this.deps.storages, this.deps.dbName);
    for (let i = 0; i < loaded.length; i++) {
      const { places, record } = loaded[i]!;
      if (record.sessionId === this.deps.sessionId) {
        removePlaces(places);
        continue;
      }
      this.deps.locks.ifGone(record.sessionId, (done) => this.replay(places, record, done));
    }
  }

  /**
   * Batches of `sessionId` were settled (`count` entries, `duplicates` of
   * them stored already; `nack`: refused for good). False when the session
   * is not one being replayed. `left`: whether batches of it still wait.
   */
  settled(sessionId: string, count: number, duplicates: number, nack: boolean, left: boolean): boolean {
    const replay = this.replays.get(sessionId);
    if (!replay) return false;
    if (replay.counted) return true;
    replay.duplicates += duplicates;
    if (nack) {
      // Refused for good (not a well-formed batch): replaying it again would be refused again.
      replay.nacked += count;
      this.deps.counters.droppedStore += count;
    }
    if (!left) {
      replay.counted = true;
      this.deps.counters.recovered += replay.count - replay.duplicates - replay.nacked;
      this.countUnsaved(replay);
    }
    return true;
  }

  /**
   * The client closes: replays under way are given up (their records stay
   * for a later load, nothing is counted) and their pages' locks let go, so
   * that another page, or the next agent of this one, may replay them.
   */
  close(): void {
    mapForEach(this.replays, (r) => r.done());
    this.replays.clear();
  }

  private replay(places: LoadedEmergency['places'], record: EmergencyRecord, done: () => void): void {
    if (this.deps.closed() || this.replays.has(record.sessionId)) return done();
    let count = 0;
    const batches = record.batches;
    for (let i = 0; i < batches.length; i++) count += batches[i]!.count;
    const replay: Replay = { record, places, count, duplicates: 0, nacked: 0, counted: false, done };
    if (batches.length === 0) return this.countUnsaved(replay);
    this.replays.set(record.sessionId, replay);
    for (let i = 0; i < batches.length; i++) this.deps.send(batches[i]!);
  }

  /**
   * The replay is stored: of the batches its page could not save anywhere
   * (its marker), those past the session's last stored seq never reached
   * the store (it writes in seq order) and are counted lost, with the
   * entries its page dropped outright (`dropped`), once; then the record
   * goes, unless the store is only in memory (it would not outlive this
   * page). With no store to ask, nothing is counted: the record stays, for
   * a later load to count (counting `dropped` here too counted it twice).
   */
  private countUnsaved(replay: Replay): void {
    const finish = (lost: number) => {
      this.deps.counters.droppedEmergency += replay.record.dropped + lost;
      if (this.deps.backend() === 'indexeddb') removePlaces(replay.places);
      this.replays.delete(replay.record.sessionId);
      replay.done();
    };
    const unsaved = replay.record.unsaved ?? [];
    if (unsaved.length === 0) return finish(0);
    let asked: Promise<SessionInfo[]>;
    try {
      asked = this.deps.sessions();
    } catch {
      asked = rejected(new Error('no store'));
    }
    // The original then, and index loops: the page may have broken Promise.prototype.then and Array.prototype.find.
    settle(
      asked,
      (sessions) => {
        let last = 0;
        for (let i = 0; i < sessions.length; i++) if (sessions[i]!.id === replay.record.sessionId) last = sessions[i]!.lastSeq;
        let lost = 0;
        for (let i = 0; i < unsaved.length; i++) if (unsaved[i]![1] > last) lost += unsaved[i]![2];
        finish(lost);
      },
      () => {
        // No store to ask: the record stays, for a later load to count.
        this.replays.delete(replay.record.sessionId);
        replay.done();
      },
    );
  }
}

function removePlaces(places: LoadedEmergency['places']): void {
  for (let i = 0; i < places.length; i++) safeRemove(places[i]!.storage, places[i]!.key);
}

