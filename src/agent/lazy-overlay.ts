/**
 * The overlay before it is first opened: only its hotkey, on the page's side.
 * The first open (the hotkey, `data-open`, or `open()`/`toggle()`) loads the
 * overlay's code (overlay-loader.ts) and mounts it, opened as asked (by the
 * hotkey: with focus, as the mounted overlay's own hotkey does); from then on
 * the mounted overlay's handle does the work. An overlay that cannot load
 * fails closed: the hotkey goes back to the game, `onFault` says why (the
 * agent counts it and records it), and later opens do nothing.
 */
import { listen, settle, unlisten } from '../core/builtins';
import { errorMessage } from '../core/errors';
import { matchesHotkey, parseHotkey } from '../overlay/hotkey';
import type { OverlayHandle, OverlayOptions } from '../overlay/mount';
import type { OverlaySource } from '../overlay/source';
import type { OverlayLoader } from './overlay-loader';

type Phase = 'closed' | 'loading' | 'mounted' | 'failed' | 'destroyed';

export class LazyOverlay implements OverlayHandle {
  private phase: Phase = 'closed';
  private mounted: OverlayHandle | null = null;
  /** Open once mounted (while loading: the last open/close/toggle wins). */
  private wanted = false;
  private byKey = false;
  private readonly hotkey;

  constructor(
    private readonly source: OverlaySource,
    private readonly options: Required<Pick<OverlayOptions, 'hotkey' | 'onFault'>>,
    private readonly load: OverlayLoader,
  ) {
    this.hotkey = parseHotkey(options.hotkey);
    // Capture phase on window, as the mounted overlay's: we see the hotkey before the game does.
    listen(window, 'keydown', this.onKey as EventListener, true);
  }

  open(): void {
    this.ask(true, false);
  }

  close(): void {
    this.ask(false, false);
  }

  toggle(): void {
    this.ask(!this.isOpen, false);
  }

  /** While loading: what was asked (the overlay shows once it has loaded). */
  get isOpen(): boolean {
    if (this.mounted) return this.mounted.isOpen;
    return this.phase === 'loading' && this.wanted;
  }

  destroy(): void {
    this.release();
    const m = this.mounted;
    this.mounted = null;
    this.phase = 'destroyed';
    m?.destroy();
  }

  private readonly onKey = (ev: KeyboardEvent): void => {
    if (this.mounted || !matchesHotkey(ev, this.hotkey)) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    if (!ev.repeat) this.ask(!this.isOpen, true);
  };

  private ask(open: boolean, byKey: boolean): void {
    if (this.mounted) {
      if (open) this.mounted.open();
      else this.mounted.close();
      return;
    }
    if (this.phase === 'failed' || this.phase === 'destroyed') return;
    this.wanted = open;
    this.byKey = open && byKey;
    if (open && this.phase === 'closed') this.start();
  }

  private start(): void {
    this.phase = 'loading';
    let loading: ReturnType<OverlayLoader>;
    try {
      loading = this.load();
    } catch (err) {
      this.fail(`the overlay could not be loaded: ${errorMessage(err)}`);
      return;
    }
    settle(
      loading,
      (mount) => {
        if (this.phase !== 'loading') return; // destroyed meanwhile
        this.release(); // the mounted overlay listens for its hotkey itself
        try {
          this.mounted = mount(this.source, { hotkey: this.options.hotkey, open: this.wanted, byKey: this.byKey, onFault: this.options.onFault });
          this.phase = 'mounted';
        } catch (err) {
          this.fail(errorMessage(err));
        }
      },
      (err) => this.fail(`the overlay could not be loaded: ${errorMessage(err)}`),
    );
  }

  private fail(reason: string): void {
    if (this.phase === 'destroyed') return;
    this.phase = 'failed';
    this.release();
    try {
      this.options.onFault(reason);
    } catch {
      /* the agent's side of the report failed: the overlay is off all the same */
    }
  }

  private release(): void {
    unlisten(window, 'keydown', this.onKey as EventListener, true);
  }
}
