/**
 * A batch as it crosses a worker's port: packed on the page's side
 * (`toWire`: the column buffers in place of their views, no default extra
 * columns; columns.ts `packBatch`), expanded on the worker's side before the
 * store reads it (`fromWire`). The main-thread store is handed the page's
 * messages as they are.
 */
import { expandBatch, packBatch } from '../core/columns';
import type { BatchMessage, PageToStore, WirePageToStore } from './protocol';

/** What a worker is posted. */
export function toWire(msg: PageToStore): WirePageToStore {
  if (msg.type !== 'batch') return msg;
  const cols = packBatch(msg.cols);
  return cols === msg.cols ? msg : { ...msg, cols };
}

/** What the worker's store is handed: a batch with every column (views over the buffers it came in, the shared defaults for the extras it left out). */
export function fromWire(msg: WirePageToStore): PageToStore {
  if (msg.type !== 'batch') return msg;
  const cols = expandBatch(msg.cols);
  return cols === msg.cols ? (msg as BatchMessage) : { ...msg, cols };
}
