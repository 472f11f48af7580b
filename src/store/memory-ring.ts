/** The ring kept in memory: when IndexedDB cannot open or fails mid-session. */
import type { SessionInfo } from '../core/entry';
import type { StoreTotals } from './protocol';
import { byNewest, type BlockInput, type TraceRing } from './ring';

export class MemoryRing implements TraceRing {
  readonly backend = 'memory' as const;
  private readonly ring: BlockInput[] = [];
  private readonly sessionMap = new Map<string, SessionInfo>();
  private readonly t: StoreTotals = { stored: 0, evicted: 0 };

  constructor(private readonly capacity: number) {}

  async append(block: BlockInput): Promise<void> {
    this.ring.push(block);
    const s = this.sessionMap.get(block.sessionId) ?? {
      id: block.sessionId,
      startedAt: block.startedAt,
      firstSeq: block.firstSeq,
      lastSeq: 0,
      entries: 0,
    };
    s.firstSeq = Math.min(s.firstSeq, block.firstSeq);
    s.lastSeq = Math.max(s.lastSeq, block.lastSeq);
    s.entries += block.count;
    this.sessionMap.set(s.id, s);
    this.t.stored += block.count;
    // Evict whole blocks, never the one just written.
    while (this.t.stored > this.capacity && this.ring.length > 1) {
      const old = this.ring.shift()!;
      this.t.stored -= old.count;
      this.t.evicted += old.count;
      const os = this.sessionMap.get(old.sessionId);
      if (os) {
        os.entries -= old.count;
        os.firstSeq = old.lastSeq + 1;
        if (os.entries <= 0) this.sessionMap.delete(old.sessionId);
      }
    }
  }

  async lastSeq(sessionId: string): Promise<number> {
    return this.sessionMap.get(sessionId)?.lastSeq ?? 0;
  }

  async blocks(session: string | 'all'): Promise<string[]> {
    return this.ring.filter((b) => session === 'all' || b.sessionId === session).map((b) => b.json);
  }

  async sessions(): Promise<SessionInfo[]> {
    return [...this.sessionMap.values()].map((s) => ({ ...s })).sort(byNewest);
  }

  totals(): StoreTotals {
    return { ...this.t };
  }

  close(): void {}
}
