/** The store's pin requests (protocol.ts's StoreRequests takes them in): pin a time range, release a pin, list them. */
import type { Pin, PinReport } from './pins';

export interface PinRequests {
  /** The user's pin of the `lastMs` up to `toTs` (trace time) of a session (the label defaults to its length); resolves to the pin. */
  pin: { params: { sessionId: string; lastMs: number; toTs: number; label?: string }; result: Pin };
  /** Releases a pin (eviction may take its blocks again). */
  unpin: { params: { id: number }; result: boolean };
  /** The pins (of `session`, when given and not 'all'), with the entries each holds, and how many were released by the share cap. */
  pins: { params: { session?: string }; result: PinReport };
}
