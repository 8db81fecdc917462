// Records every event of every finalized block, decoded by polkadot-api as the blocks arrive
// (PAPI reads state only at blocks it still has pinned, so it decodes them then, not later),
// and lets a test wait for an event.

import { Subject } from 'rxjs';

export class EventLog {
  /**
   * @param client a PAPI client
   * @param api    its typed API
   */
  constructor(client, api) {
    this.api = api;
    /** Every block seen, in order: { number, hash, events: [{ pallet, name, value, phase }] }. */
    this.blocks = [];
    this.arrived = new Subject();
    /** What went wrong while recording (a test asserts it stays empty). */
    this.errors = [];
    // One block after the other, so that `blocks` stays in chain order.
    let queue = Promise.resolve();
    this.subscription = client.finalizedBlock$.subscribe({
      next: (block) => {
        queue = queue.then(() => this.record(block)).catch((e) => this.errors.push(e));
      },
      error: (e) => this.errors.push(e),
    });
  }

  async record(block) {
    const last = this.blocks.at(-1);
    if (last && block.number !== last.number + 1) {
      this.errors.push(new Error(`finalized blocks skipped from #${last.number} to #${block.number}`));
    }
    const events = await this.api.query.System.Events.getValue({ at: block.hash });
    const entry = {
      number: block.number,
      hash: block.hash,
      events: events.map(({ event, phase }) => ({
        pallet: event.type,
        name: event.value.type,
        value: event.value.value,
        phase,
      })),
    };
    this.blocks.push(entry);
    for (const event of entry.events) this.arrived.next({ ...event, block: entry });
  }

  /** Every recorded event, with its block. */
  *all() {
    for (const block of this.blocks) for (const event of block.events) yield { ...event, block };
  }

  /** The recorded events of `pallet` named `name` that satisfy `where`. */
  find(pallet, name, where = () => true) {
    return [...this.all()].filter((e) => e.pallet === pallet && e.name === name && where(e.value));
  }

  /**
   * The first event of `pallet` named `name` whose value satisfies `where`, already recorded
   * or yet to come within `timeoutMs`.
   */
  waitFor(pallet, name, where = () => true, timeoutMs = 60_000) {
    const matches = (e) => e.pallet === pallet && e.name === name && where(e.value);
    return this.#first(this.arrived, matches, () => [...this.all()].find(matches), timeoutMs,
      `no ${pallet}.${name} event within ${timeoutMs} ms`);
  }

  /**
   * The first item of `subject` that `matches`, or what `seen` finds already recorded.
   * Subscribes before looking back, so nothing arriving in between is missed, and leaves no
   * subscription or timer behind (a pending timer would keep the test process alive).
   */
  #first(subject, matches, seen, timeoutMs, message) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.unsubscribe();
        reject(new Error(message));
      }, timeoutMs);
      const done = (value) => {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve(value);
      };
      const subscription = subject.subscribe((item) => {
        if (matches(item)) done(item);
      });
      const already = seen();
      if (already) done(already);
    });
  }

  stop() {
    this.subscription.unsubscribe();
  }
}
