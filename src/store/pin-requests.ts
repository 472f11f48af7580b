/** The store's pin requests (protocol.ts's StoreRequests takes them in): pin a time range, release a pin, list them. */
import type { Pin, PinInput, PinReport } from './pins';

export interface PinRequests {
  /** Pins a time range of a session; resolves to the pin (an automatic pin may widen an overlapping one). */
  pin: { params: PinInput; result: Pin };
  /** Releases a pin (eviction may take its blocks again). */
  unpin: { params: { id: number }; result: { removed: boolean } };
  /** The pins, with the entries each holds, and how many were released by the share cap. */
  pins: { params: Record<string, never>; result: PinReport };
}
