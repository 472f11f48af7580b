/**
 * dist/trace-agent.overlay.js: the overlay (Preact, signals, uPlot, the
 * panels, the styles), which the drop-in script loads from beside its own
 * URL the first time the overlay is opened (src/agent/overlay-loader.ts).
 * It hands its mount to the loader and does nothing else.
 */
import { mountOverlay } from './overlay/mount';
import { announcePart } from './overlay/script-part';

announcePart({ mountOverlay });
