/**
 * What the page itself reports: uncaught errors and unhandled rejections,
 * console.error and console.warn (when asked), the window gaining and losing
 * focus, long tasks and long animation frames (where the browser has them).
 *
 * Nothing here changes what the page sees: errors still reach the console and
 * the game's own handlers, and the console still prints.
 */
import type { TraceCore } from '../core/agent';
import { push } from '../core/builtins';
import { withDefaults } from '../core/defaults';
import type { SpanError } from '../core/entry';
import type { CopyLimits } from '../core/safe-copy';
import { patchMethod, restoreAll, type Patch } from './patch';
import { cut, stripQuery, toSpanError } from './span-error';

export interface SystemEventsOptions {
  /** Window `error` and `unhandledrejection` (default true). */
  errors?: boolean;
  /** Wrap console.error and console.warn (default false). */
  console?: boolean;
  /** The window's focus and blur (default true). */
  focus?: boolean;
  /** Long tasks and long animation frames where supported (default true). */
  longTasks?: boolean;
}

const DEFAULTS: Required<SystemEventsOptions> = { errors: true, console: false, focus: true, longTasks: true };

/** Console arguments and rejection reasons are kept small: they can be anything. */
const CONSOLE_LIMITS: Omit<CopyLimits, 'redactKeys'> = { maxDepth: 3, maxBytes: 1_024, maxString: 300, maxKeys: 10 };

/** Scripts kept per long animation frame, longest first. */
const TOP_SCRIPTS = 3;

type ConsoleMethod = 'error' | 'warn';

/** The fields of a long-animation-frame entry we read (not in every DOM typing yet). */
interface LoafEntry extends PerformanceEntry {
  blockingDuration?: number;
  renderStart?: number;
  scripts?: readonly { invoker?: string; invokerType?: string; sourceURL?: string; sourceFunctionName?: string; duration: number }[];
}

export class SystemEvents {
  /** Observed entry types the browser does not have (for health). */
  readonly unsupported: string[] = [];
  private readonly options: Required<SystemEventsOptions>;
  private readonly limits: CopyLimits;
  private listeners: [target: EventTarget, type: string, fn: (ev: Event) => void][] = [];
  private observers: PerformanceObserver[] = [];
  private patches: Patch[] = [];
  private running = false;
  /** True while a console call is being recorded: what it logs in turn is not. */
  private recordingConsole = false;

  constructor(
    private readonly core: TraceCore,
    options: SystemEventsOptions = {},
  ) {
    this.options = withDefaults<Required<SystemEventsOptions>>(DEFAULTS, options);
    this.limits = { ...core.limits, ...CONSOLE_LIMITS }; // smaller, with the core's redaction
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const o = this.options;
    if (typeof window !== 'undefined') {
      if (o.errors) {
        this.listen(window, 'error', (ev) => this.onError(ev as ErrorEvent));
        this.listen(window, 'unhandledrejection', (ev) => this.onRejection(ev as PromiseRejectionEvent));
      }
      if (o.focus) {
        this.listen(window, 'focus', (ev) => this.onFocus(ev, 'page:focus'));
        this.listen(window, 'blur', (ev) => this.onFocus(ev, 'page:blur'));
      }
    }
    if (o.console && typeof console !== 'undefined') {
      this.wrapConsole('error');
      this.wrapConsole('warn');
    }
    if (o.longTasks) {
      this.observe('longtask', (e) => this.onLongTask(e));
      this.observe('long-animation-frame', (e) => this.onLongFrame(e as LoafEntry));
    }
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const [target, type, fn] of this.listeners) target.removeEventListener(type, fn);
    this.listeners = [];
    for (const obs of this.observers) obs.disconnect();
    this.observers = [];
    // Someone wrapped console after us: ours stays in their chain, and only calls through (patch.ts).
    restoreAll(this.patches);
    this.patches = [];
  }

  private listen(target: EventTarget, type: string, fn: (ev: Event) => void): void {
    const guarded = (ev: Event) => {
      try {
        fn(ev);
      } catch {
        this.core.counters.internalErrors++;
      }
    };
    target.addEventListener(type, guarded);
    this.listeners.push([target, type, guarded]);
  }

  private onError(ev: ErrorEvent): void {
    // A failed <img> or <script> load also fires `error`, but not at window
    // and not bubbling: this listener (bubble phase) sees script errors only.
    if (isNode(ev.target) && !(typeof ErrorEvent === 'function' && ev instanceof ErrorEvent)) return;
    const err: unknown = ev.error;
    const data: Record<string, unknown> = {
      message: cut(ev.message, 1_000),
      filename: ev.filename ? cut(stripQuery(ev.filename), 300) : undefined,
      line: ev.lineno || undefined,
      col: ev.colno || undefined,
    };
    const error = toSpanError(err);
    let flags = 0;
    if (!error && err !== undefined && err !== null) {
      const c = this.core.copy(err, this.limits); // `throw {code: 3}`
      data['thrown'] = c.value;
      flags = c.flags;
    }
    this.emitError('page:error', data, error, flags);
  }

  private onRejection(ev: PromiseRejectionEvent): void {
    const reason: unknown = ev.reason;
    const error = toSpanError(reason);
    if (error) return this.emitError('page:unhandledrejection', { message: error.message }, error, 0);
    const c = this.core.copy(reason, this.limits);
    this.emitError('page:unhandledrejection', { reason: c.value }, undefined, c.flags);
  }

  private emitError(type: string, data: Record<string, unknown>, error: SpanError | undefined, flags: number): void {
    this.core.emit({ kind: 'error', type, level: 'error', source: 'page', data, error, flags: flags || undefined });
  }

  private onFocus(ev: Event, type: string): void {
    // Elements' focus events do not bubble, so only the window's own should
    // arrive here; a game dispatching a bubbling one is not the window's.
    if (isNode(ev.target)) return;
    this.core.emit({ kind: 'system', type, level: 'info', source: 'page', data: {} });
  }

  private wrapConsole(method: ConsoleMethod): void {
    const original = console[method] as (...args: unknown[]) => void;
    if (typeof original !== 'function') return;
    const traced = (fn: Function, self: unknown, args: unknown[]): unknown => {
      // Re-entrant calls (a getter that warns while we copy it, the store
      // complaining while it stores) print but are not recorded: no loop.
      if (!this.recordingConsole) {
        this.recordingConsole = true;
        try {
          this.onConsole(method, args);
        } catch {
          this.core.counters.internalErrors++;
        } finally {
          this.recordingConsole = false;
        }
      }
      return Reflect.apply(fn, self, args);
    };
    try {
      push(this.patches, patchMethod(console, method, original, traced));
    } catch {
      /* a frozen console: nothing to restore either */
    }
  }

  private onConsole(method: ConsoleMethod, args: unknown[]): void {
    const c = this.core.copy(args, this.limits);
    this.core.emit({
      kind: method === 'error' ? 'error' : 'system',
      type: `console:${method}`,
      level: method,
      source: 'console',
      data: { args: c.value },
      flags: c.flags || undefined,
    });
  }

  private observe(type: string, onEntry: (e: PerformanceEntry) => void): void {
    const PO = typeof PerformanceObserver === 'function' ? PerformanceObserver : undefined;
    const supported = PO?.supportedEntryTypes;
    if (!PO || !Array.isArray(supported) || !supported.includes(type)) {
      this.unsupported.push(type);
      return;
    }
    try {
      const obs = new PO((list) => {
        try {
          for (const e of list.getEntries()) onEntry(e);
        } catch {
          this.core.counters.internalErrors++;
        }
      });
      // buffered: the long tasks of the page's start, before we observed.
      obs.observe({ type, buffered: true });
      this.observers.push(obs);
    } catch {
      this.unsupported.push(type);
    }
  }

  /** A performance timestamp as ms since the session started, like `ts`. */
  private sessionTime(t: number): number {
    return round2(this.core.sinceStart(t));
  }

  private onLongTask(e: PerformanceEntry): void {
    this.core.emit({
      kind: 'perf',
      type: 'perf:longtask',
      level: 'warn',
      source: 'page',
      data: { duration: round2(e.duration), startTime: this.sessionTime(e.startTime) },
    });
  }

  private onLongFrame(e: LoafEntry): void {
    const scripts = [...(e.scripts ?? [])]
      .sort((a, b) => b.duration - a.duration)
      .slice(0, TOP_SCRIPTS)
      .map((s) => ({
        invoker: s.invoker ? cut(s.invoker, 120) : undefined,
        type: s.invokerType || undefined,
        src: s.sourceURL ? cut(stripQuery(s.sourceURL), 200) : undefined,
        fn: s.sourceFunctionName ? cut(s.sourceFunctionName, 80) : undefined,
        duration: round2(s.duration),
      }));
    this.core.emit({
      kind: 'perf',
      type: 'perf:longframe',
      level: 'warn',
      source: 'page',
      data: {
        duration: round2(e.duration),
        blockingDuration: e.blockingDuration === undefined ? undefined : round2(e.blockingDuration),
        startTime: this.sessionTime(e.startTime),
        scripts: scripts.length > 0 ? scripts : undefined,
        moreScripts: (e.scripts?.length ?? 0) > TOP_SCRIPTS ? (e.scripts?.length ?? 0) - TOP_SCRIPTS : undefined,
      },
    });
  }
}

function isNode(t: EventTarget | null): boolean {
  return !!t && typeof (t as Node).nodeType === 'number';
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
