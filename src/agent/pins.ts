/**
 * The agent's pins (store/pins.ts): pin the last N seconds, release a pin,
 * list them. The page knows the session's clock; the store keeps the pins.
 */
import type { TraceCore } from '../core/agent';
import { TraceError } from '../core/errors';
import type { StoreClient } from '../store/client';
import type { Pin, PinReport } from '../store/pins';

/** What pin() covers when not told: the last 30 s. */
export const DEFAULT_PIN_LAST_MS = 30_000;

export class AgentPins {
  constructor(
    private readonly core: TraceCore,
    private readonly client: StoreClient,
  ) {}

  /** Pins the last `lastMs` of this session (what is logged after it is not covered). */
  pin(lastMs: number = DEFAULT_PIN_LAST_MS, label?: string): Promise<Pin> {
    if (typeof lastMs !== 'number' || !Number.isFinite(lastMs) || lastMs <= 0) {
      return Promise.reject(new TraceError('INVALID_OPTION', `pin(lastMs): lastMs must be a number > 0, got ${String(lastMs)}`));
    }
    const to = this.core.elapsed();
    const text = typeof label === 'string' && label !== '' ? label : `the last ${Math.round(lastMs / 1000)} s`;
    return this.client.request('pin', { sessionId: this.core.sessionId, fromTs: Math.max(0, to - lastMs), toTs: to, reason: 'user', label: text });
  }

  async unpin(id: number): Promise<boolean> {
    return (await this.client.request('unpin', { id })).removed;
  }

  list(): Promise<PinReport> {
    return this.client.request('pins', {});
  }
}
