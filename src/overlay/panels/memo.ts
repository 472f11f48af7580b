/**
 * A component that renders again only when its props change (or its own
 * state does): preact/compat's `memo` without compat, whose global vnode hook
 * would otherwise run on every element the overlay creates.
 */
import { Component, type ComponentChildren, type FunctionComponent, type VNode } from 'preact';

export function shallowEqual<P extends object>(a: P, b: P): boolean {
  for (const k in a) if (a[k] !== b[k]) return false;
  for (const k in b) if (!(k in a)) return false;
  return true;
}

/**
 * `render` keeps its hooks and the signals it reads (their updates always get
 * through); a parent's re-render reaches it only when `same(previous, next)`
 * is false. Unlike a function component, a setState during render commits a
 * frame before rendering again (Preact renders a class once per pass): keep
 * derived state out of memoised renders.
 */
export function memo<P extends object>(render: (props: P) => VNode | ComponentChildren, same: (a: P, b: P) => boolean = shallowEqual): FunctionComponent<P> {
  class Memo extends Component<P> {
    static override displayName = `Memo(${render.name || 'component'})`;
    // A new state object means an update of its own (hooks, signals): never skipped.
    override shouldComponentUpdate(next: P, nextState: unknown): boolean {
      return nextState !== this.state || !same(this.props, next);
    }
    override render(props: P) {
      return render(props);
    }
  }
  return Memo as unknown as FunctionComponent<P>;
}
