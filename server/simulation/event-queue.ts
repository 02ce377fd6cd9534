/**
 * The discrete-event simulation's clock: actions at times, run in time order (ties in the
 * order they were scheduled). A binary heap.
 */
export class EventQueue {
  private readonly heap: Array<{ at: number; seq: number; run: () => void }> = [];
  private seq = 0;

  push(at: number, run: () => void): void {
    const item = { at, seq: this.seq++, run };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, h[parent] as typeof item)) break;
      h[i] = h[parent] as typeof item;
      i = parent;
    }
    h[i] = item;
  }

  /** Runs actions in order while `advance(at)` (which moves the clock) says to go on. */
  run(advance: (at: number) => boolean): void {
    for (;;) {
      const next = this.pop();
      if (!next || !advance(next.at)) return;
      next.run();
    }
  }

  private pop(): { at: number; seq: number; run: () => void } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (!top || !last || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best = last;
      if (l < h.length && before(h[l] as typeof last, best)) {
        m = l;
        best = h[l] as typeof last;
      }
      if (r < h.length && before(h[r] as typeof last, best)) {
        m = r;
        best = h[r] as typeof last;
      }
      if (m === i) break;
      h[i] = best;
      i = m;
    }
    h[i] = last;
    return top;
  }
}

const before = (a: { at: number; seq: number }, b: { at: number; seq: number }) =>
  a.at < b.at || (a.at === b.at && a.seq < b.seq);
