/**
 * dist/trace-agent.overlay.js: the overlay (Preact, signals, uPlot, the
 * panels, the styles), which the drop-in script loads from beside its own
 * URL the first time the overlay is opened (src/agent/overlay-loader.ts).
 * It hands its mount, the trace opener (agent.openTrace(), the file picker,
 * a drop) and the Chrome trace writer (for a store on the main thread) to the
 * loader, and does nothing else.
 */
import { ChromeTraceWriter } from './export/chrome-trace';
import { openTrace } from './export/open-trace';
import { mountOverlay } from './overlay/mount';
import { announcePart } from './overlay/script-part';

announcePart({ mountOverlay, openTrace, ChromeTraceWriter });
