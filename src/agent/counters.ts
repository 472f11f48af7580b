/**
 * The agent's counters: the core's, the store client's and the recording's,
 * as one set that reconciles (README, Guarantees), with the store's ledger
 * and storage. Read by stats(), the export's header, health and the overlay.
 */
import type { TraceCore } from '../core/agent';
import { slice } from '../core/builtins';
import type { TraceCounters, TraceHeader } from '../export/trace-json';
import type { StoreClient } from '../store/client';
import type { Recording } from './recording';
import type { StoreLedger } from './types';

export class AgentCounters {
  constructor(
    private readonly core: TraceCore,
    private readonly client: StoreClient,
    private readonly recording: Recording,
  ) {}

  counters(): TraceCounters {
    const { core, client } = this;
    return {
      logged: core.counters.logged,
      rejected: core.counters.rejected,
      truncated: core.counters.truncated,
      redacted: core.counters.redacted,
      dropped: client.counters.droppedBackpressure,
      droppedByStore: client.counters.droppedStore,
      internalErrors: core.counters.internalErrors + client.counters.droppedUnserialisable,
      acked: client.counters.acked,
      stored: client.status.totals.stored,
      storedBytes: client.status.totals.bytes,
      evicted: client.status.totals.evicted,
      deleted: client.status.totals.deleted,
      recovered: client.counters.recovered,
      lostOnUnload: client.counters.droppedEmergency,
      paused: this.recording.pausedEntries,
    };
  }

  ledger(): StoreLedger {
    const t = this.client.status.totals;
    const live = this.client.liveness();
    // What this page stored in a database a later store of it could not open is abandoned too.
    const left = this.client.leftInDatabase;
    return {
      appended: t.appended + left,
      abandoned: t.abandoned + left,
      quotaEvicted: t.quotaEvicted,
      quotaRefused: live.quota.refused,
      unserialisable: this.client.counters.droppedUnserialisable,
      stalledMs: Math.round(live.stalledMs),
      deadStores: live.deadStores,
    };
  }

  /** For stats()' fallback: the ledger, or -1 in every field when even it cannot be read (never made-up zeros). */
  ledgerOrUnknown(): StoreLedger {
    try {
      return this.ledger();
    } catch {
      return { appended: -1, abandoned: -1, quotaEvicted: -1, quotaRefused: -1, unserialisable: -1, stalledMs: -1, deadStores: -1 };
    }
  }

  storage(): TraceHeader['storage'] {
    return {
      thread: this.client.status.thread,
      backend: this.client.status.backend,
      problems: slice(this.client.status.problems), // not a spread: the page's Array.prototype[Symbol.iterator] may be broken
    };
  }
}
