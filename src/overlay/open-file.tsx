/**
 * Opening a trace file in the overlay, from the file picker, a drop onto
 * the panel, or the game's `openTrace()`: the file is read and checked whole
 * (export/open-trace.ts) before the view changes, so a bad file leaves the
 * view as it was and says why in the toolbar.
 */
import { useState } from 'preact/hooks';
import { errorMessage } from '../core/errors';
import type { DownloadProgress, OpenedFile, OverlaySource } from './source';
import type { OverlayState } from './state';

/** Runs a toolbar action: one at a time, its progress shown, its failure said until the next. */
export function runTask(state: OverlayState, what: string, action: (onProgress: (p: DownloadProgress) => void) => Promise<void>): void {
  if (state.busy.value) return;
  state.problem.value = '';
  state.busy.value = { what, progress: null };
  void (async () => {
    try {
      await action((progress) => (state.busy.value = { what, progress }));
    } catch (err) {
      state.problem.value = `${what}: ${errorMessage(err)}`;
    } finally {
      state.busy.value = null;
    }
  })();
}

/** Shows an opened trace: the log of the file (a live range means nothing in a file). */
export function showFile(state: OverlayState, file: OpenedFile): void {
  state.focus.value = null;
  state.file.value = file;
  state.tab.value = 'log';
}

/** Reads `blob` and shows it, or says why it cannot be opened. */
export function openBlob(source: OverlaySource, state: OverlayState, blob: Blob, name: string): void {
  runTask(state, `opening ${name}`, async () => showFile(state, { name, trace: await source.openTraceFile(blob) }));
}

function hasFiles(ev: DragEvent): boolean {
  const types = ev.dataTransfer?.types;
  if (!types) return false;
  for (let i = 0; i < types.length; i++) if (types[i] === 'Files') return true;
  return false;
}

export interface DropZone {
  dragging: boolean;
  handlers: {
    onDragEnter: (ev: DragEvent) => void;
    onDragOver: (ev: DragEvent) => void;
    onDragLeave: (ev: DragEvent) => void;
    onDrop: (ev: DragEvent) => void;
  };
}

/** The panel as a drop zone for trace files: a hint while a file is dragged over it, the file opened when dropped. */
export function useDropZone(source: OverlaySource, state: OverlayState): DropZone {
  const [dragging, setDragging] = useState(false);
  const over = (ev: DragEvent) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault(); // this is a drop target
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  return {
    dragging,
    handlers: {
      onDragEnter: over,
      onDragOver: over,
      onDragLeave: (ev: DragEvent) => {
        const to = ev.relatedTarget as Node | null;
        if (!to || !(ev.currentTarget as Node).contains(to)) setDragging(false);
      },
      onDrop: (ev: DragEvent) => {
        if (!hasFiles(ev)) return;
        ev.preventDefault(); // not the browser's: it would navigate to the file
        setDragging(false);
        const file = ev.dataTransfer?.files[0];
        if (!file) {
          state.problem.value = 'opening: the drop held no file';
          return;
        }
        openBlob(source, state, file, file.name);
      },
    },
  };
}

/** What the panel shows while a file is dragged over it. */
export function DropHint() {
  return (
    <div class="drop-hint" aria-hidden="true">
      Drop a trace file (.json, .json.gz, or a Chrome trace from here) to open it
    </div>
  );
}
