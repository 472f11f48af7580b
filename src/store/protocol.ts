/**
 * Every message between the page and the store (a worker, or the same code on
 * the main thread when workers are forbidden). Both sides import this file,
 * so the compiler checks each message against its one definition.
 */
import type { SessionInfo } from '../core/entry';

export const PROTOCOL_VERSION = 1;

export type Backend = 'indexeddb' | 'memory';
export type StoreThread = 'worker' | 'main';

export interface StoreConfig {
  dbName: string;
  /** Ring capacity in entries, across all sessions. Holds within one block. */
  capacity: number;
  /** How many newest entries the store keeps parsed in memory for the overlay. */
  tailSize: number;
}

// ---- page → store ----------------------------------------------------------

export interface InitMessage {
  type: 'init';
  version: number;
  config: StoreConfig;
}

/** One batch of entries, serialised once on the page as a JSON array. */
export interface BatchMessage {
  type: 'batch';
  sessionId: string;
  /** Wall clock of the session's start, for the session record. */
  startedAt: number;
  firstSeq: number;
  lastSeq: number;
  count: number;
  /** `[entry, entry, ...]` as JSON text. */
  json: string;
}

/** Requests that the store answers with a `reply` of the same id. */
export interface StoreRequests {
  /** The newest entries of a session, oldest first, as a JSON array. */
  tail: { params: { limit: number; sessionId: string }; result: { json: string } };
  /** Every stored block of one session (or all), each a JSON array, in write order. */
  export: { params: { session: string | 'all' }; result: { sessions: SessionInfo[]; blocks: string[] } };
  sessions: { params: Record<string, never>; result: SessionInfo[] };
}
export type RequestOp = keyof StoreRequests;

export type RequestMessage = {
  [K in RequestOp]: { type: 'request'; id: number; op: K; params: StoreRequests[K]['params'] };
}[RequestOp];

export type PageToStore = InitMessage | BatchMessage | RequestMessage;

// ---- store → page ----------------------------------------------------------

export interface StoreTotals {
  /** Entries in the ring now. */
  stored: number;
  /** Entries evicted by capacity since the database was created. */
  evicted: number;
}

export interface ReadyMessage {
  type: 'ready';
  backend: Backend;
  /** Why the store is not on IndexedDB, when it is not. */
  problem?: string;
  totals: StoreTotals;
}

/** The batches of `sessionId` within `fromSeq..upTo` are stored (their transaction completed). */
export interface AckMessage {
  type: 'ack';
  sessionId: string;
  fromSeq: number;
  upTo: number;
  /** Entries of the acked batches that were already stored (replays, resends). */
  duplicates: number;
  totals: StoreTotals;
}

/** The batches of `sessionId` within `fromSeq..upTo` could not be stored and never will be. */
export interface NackMessage {
  type: 'nack';
  sessionId: string;
  fromSeq: number;
  upTo: number;
  problem: string;
}

/** The store changed backend mid-session (IndexedDB failed). */
export interface BackendMessage {
  type: 'backend';
  backend: Backend;
  problem: string;
}

export type ReplyMessage =
  | { type: 'reply'; id: number; ok: true; result: StoreRequests[RequestOp]['result'] }
  | { type: 'reply'; id: number; ok: false; error: string };

export type StoreToPage = ReadyMessage | AckMessage | NackMessage | BackendMessage | ReplyMessage;
