/**
 * The two sides of the compare tab as digests (analytics/compare.ts): a trace
 * file opened for viewing, or the live session read from the store page by
 * page (oldest first, at most LIVE_MAX entries: a longer session is marked
 * `truncated`; what is left is not read, so not counted).
 */
import { TraceDigester, type TraceDigest } from '../../analytics/compare';
import type { TraceFile } from '../../export/trace-json';
import type { OverlaySource } from '../source';

/** Entries of the live session digested, at most (a page is 5,000). */
export const LIVE_MAX = 500_000;
const PAGE = 5_000;

export interface Side {
  /** What the user picked: a file's name, or 'live session'. */
  label: string;
  digest: TraceDigest;
  /** Whether the live session had entries past LIVE_MAX, left unread (their count unknown without reading them). */
  truncated: boolean;
}

export function fileSide(name: string, trace: TraceFile): Side {
  const d = new TraceDigester();
  for (const e of trace.entries) d.add(e);
  return { label: name, digest: d.digest(), truncated: false };
}

/** The live session's stored entries, oldest first; `onProgress` with the count read so far. */
export async function liveSide(source: OverlaySource, onProgress?: (read: number) => void): Promise<Side> {
  const d = new TraceDigester();
  let after: number | undefined;
  let read = 0;
  for (;;) {
    const page = await source.query({ order: 'oldest', limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const e of page.entries) d.add(e);
    read += page.entries.length;
    onProgress?.(read);
    if (page.next === null || page.entries.length === 0) return { label: 'live session', digest: d.digest(), truncated: false };
    if (read >= LIVE_MAX) return { label: 'live session', digest: d.digest(), truncated: true };
    after = page.next;
  }
}
