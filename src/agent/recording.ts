/**
 * Where the core's entries go: the store client, unless recording is paused.
 * Paused, entries are still stamped (seq stays the order of everything that
 * happened) and counted, but not stored. And what the store says (it has no
 * seq of its own) becomes a system entry of the core.
 */
import type { EntrySink, TraceCore, UnstampedEntry } from '../core/agent';
import type { TraceEntry } from '../core/entry';
import type { StoreClient } from '../store/client';
import type { NoticeMessage } from '../store/protocol';

export class Recording implements EntrySink {
  paused = false;
  /** Entries logged while paused. */
  pausedEntries = 0;

  constructor(private readonly client: StoreClient) {}

  write(entry: TraceEntry): void {
    if (this.paused) this.pausedEntries++;
    else this.client.write(entry);
  }

  /** Pauses or resumes; said in the trace before pausing and after resuming, so the gap shows. */
  setPaused(core: TraceCore, p: boolean): void {
    if (p === this.paused) return;
    if (p) core.emit({ kind: 'system', type: 'trace:paused', level: 'info', source: 'trace-agent' });
    this.paused = p;
    if (!p) core.emit({ kind: 'system', type: 'trace:resumed', level: 'info', source: 'trace-agent', data: { skipped: this.pausedEntries } });
  }
}

/** A notice of the store (a full quota, an alert, an anomaly, a loop) as the system entry that records it. */
export function noticeEntry(n: NoticeMessage): UnstampedEntry {
  switch (n.event) {
    case 'alert':
      return { kind: 'system', type: `alert:${n.data.to}`, level: n.level, source: 'analytics', data: n.data };
    case 'anomaly':
      return { kind: 'system', type: 'anomaly', level: n.level, source: 'analytics', data: n.data };
    case 'loop':
      return { kind: 'system', type: 'loop:detected', level: n.level, source: 'analytics', data: n.data };
    default:
      return { kind: 'system', type: n.event, level: n.level, source: 'trace-agent', data: n.data };
  }
}
