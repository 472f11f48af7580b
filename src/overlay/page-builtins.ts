/**
 * src/core/builtins.ts for dist/trace-agent.overlay.js (vite.config.ts, mode
 * lib-overlay, puts this module in its place): the overlay file runs when the
 * overlay is first opened, long after the page's code may have replaced a
 * builtin, so it takes the builtins the drop-in script captured at start-up,
 * which its loader hangs on the part's <script> (script-part.ts). Loaded any
 * other way, it captures its own (those of the page now).
 */
import { STARTUP_BUILTINS } from '../core/builtins';
import { PART_BUILTINS, partScript } from './script-part';

type Builtins = typeof STARTUP_BUILTINS;
const handed = partScript()?.[PART_BUILTINS] as Builtins | undefined;
const b: Builtins = handed && typeof handed.apply === 'function' ? handed : STARTUP_BUILTINS;

export const {
  apply,
  jsonStringify,
  jsonParse,
  hasOwn,
  objectKeys,
  defineProperty,
  getPrototypeOf,
  isArray,
  ObjectProto,
  ArrayProto,
  NativePromise,
  dateNow,
  push,
  some,
  filter,
  join,
  slice,
  removeAt,
  mapForEach,
  settle,
  chain,
  resolved,
  rejected,
  all,
  objectPrototypePolluted,
  setTimer,
  clearTimer,
  setRepeat,
  clearRepeat,
  microtask,
  afterFrame,
  whenIdle,
  listen,
  unlisten,
  postToWorker,
  terminateWorker,
} = b;
