// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { memo } from '../../../src/overlay/panels/memo';

let root: HTMLElement | null = null;
afterEach(() => {
  if (root) render(null, root);
  root?.remove();
  root = null;
});
function mountInto(): HTMLElement {
  root = document.createElement('div');
  document.body.append(root);
  return root;
}

describe('memo (the overlay\'s own, without preact/compat)', () => {
  it('skips a parent re-render with equal props, renders again when they change', () => {
    let renders = 0;
    const Label = memo(function Label({ text }: { text: string }) {
      renders++;
      return <span>{text}</span>;
    });
    let bump = () => {};
    let setText = (_: string) => {};
    function Parent() {
      const [n, setN] = useState(0);
      const [text, set] = useState('a');
      bump = () => setN(n + 1);
      setText = set;
      return (
        <div data-n={n}>
          <Label text={text} />
        </div>
      );
    }
    const el = mountInto();
    act(() => render(<Parent />, el));
    expect(renders).toBe(1);
    act(() => bump());
    expect(el.querySelector('div')!.dataset['n']).toBe('1'); // the parent did render
    expect(renders).toBe(1);
    act(() => setText('b'));
    expect(renders).toBe(2);
    expect(el.textContent).toBe('b');
  });

  it('never skips its own updates: hook state and signals read in its render', () => {
    const count = signal(0);
    let inc = () => {};
    const Counter = memo(function Counter(_: { label: string }) {
      const [n, setN] = useState(0);
      inc = () => setN((x) => x + 1);
      return (
        <span>
          {n}/{count.value}
        </span>
      );
    });
    const el = mountInto();
    act(() => render(<Counter label="x" />, el));
    expect(el.textContent).toBe('0/0');
    act(() => inc());
    expect(el.textContent).toBe('1/0');
    act(() => {
      count.value = 5;
    });
    expect(el.textContent).toBe('1/5');
  });

  it('uses the comparison it is given', () => {
    let renders = 0;
    const Row = memo(
      function Row({ item }: { item: { id: number; label: string } }) {
        renders++;
        return <b>{item.label}</b>;
      },
      (a, b) => a.item.id === b.item.id,
    );
    const el = mountInto();
    act(() => render(<Row item={{ id: 1, label: 'one' }} />, el));
    act(() => render(<Row item={{ id: 1, label: 'uno' }} />, el)); // same id: skipped, by the rule given
    expect(renders).toBe(1);
    expect(el.textContent).toBe('one');
    act(() => render(<Row item={{ id: 2, label: 'two' }} />, el));
    expect(renders).toBe(2);
    expect(el.textContent).toBe('two');
  });
});
