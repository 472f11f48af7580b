/**
 * The trace file: the store writes it (and gzips it when asked); the header
 * is written here, with what only the page knows (its config, counters and
 * storage), counted up to the moment the file was asked for.
 */
import type { TraceCore } from '../core/agent';
import { chain, dateNow } from '../core/builtins';
import { SCHEMA_VERSION, TRACE_FORMAT, type TraceHeader } from '../export/trace-json';
import { saveFile } from '../overlay/save-file';
import type { StoreClient } from '../store/client';
import type { AgentCounters } from './counters';
import type { AgentSetup } from './options';
import type { DownloadOptions } from './types';
import { VERSION } from './version';

export type ExportFormat = 'trace-agent' | 'chrome';

export class TraceExport {
  constructor(
    private readonly core: TraceCore,
    private readonly client: StoreClient,
    private readonly counters: AgentCounters,
    private readonly setup: AgentSetup,
  ) {}

  async blob(opts: DownloadOptions & { format?: ExportFormat } = {}): Promise<Blob> {
    const { core, client, setup } = this;
    const session = opts.session ?? core.sessionId;
    await client.flush();
    // The store's worker keeps the pins; a store on the main thread has none (the header then lists none).
    const pins = (await chain(client.request('pins', { session }), (r) => r, () => null))?.pins; // the original then: the page's may throw
    // The file holds this session up to here, and its header counts up to here
    // (nothing awaited between the two): what is logged while the store writes
    // the file stays out of both.
    const upTo = { sessionId: core.sessionId, seq: core.lastSeq };
    const c = setup.config;
    const header: Omit<TraceHeader, 'sessions'> = {
      format: TRACE_FORMAT,
      schemaVersion: SCHEMA_VERSION,
      generator: { name: 'trace-agent', version: VERSION },
      exportedAt: new Date(dateNow()).toISOString(),
      session,
      config: { capacity: c.capacity, capacityBytes: c.maxBytes, maxSessions: c.maxSessions, dbName: c.dbName, hotkey: setup.hotkey, strict: core.strict },
      counters: this.counters.counters(),
      storage: this.counters.storage(),
      pins,
    };
    await client.flush(); // what was logged while the first flush waited, up to upTo, is durable too
    const { blob } = await client.request('export', { session, header, gzip: opts.gzip === true, format: opts.format, upTo }, opts.onProgress);
    return blob;
  }

  /** Saves `trace-<session>.json` (or `.json.gz`, or `.chrome.json`). */
  async download(opts: DownloadOptions & { format?: ExportFormat } = {}): Promise<void> {
    const blob = await this.blob(opts);
    if (opts.format === 'chrome') {
      saveFile(`trace-${this.core.sessionId}.chrome.json`, [blob], 'application/json');
      return;
    }
    const gz = blob.type === 'application/gzip' ? '.gz' : '';
    saveFile(`trace-${opts.session ?? this.core.sessionId}.json${gz}`, [blob], blob.type);
  }
}
