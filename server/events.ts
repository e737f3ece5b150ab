/**
 * Delivers the domain events of shared/events.ts from the feature that raises one to the features that react.
 *
 * Delivery is synchronous, in subscription order, inside `emit`: a label's reactions run in its submit, as a
 * direct call would, and the composition root decides their order by the order it subscribes the features. A
 * subscriber that throws stops the delivery and the error reaches whoever emitted (nothing is swallowed).
 */
import type { DomainEventMap, DomainEventName } from '../shared/events';

export type Subscriber<E extends DomainEventName> = (payload: DomainEventMap[E]) => void;

export class DomainEvents {
  private readonly subscribers: { [E in DomainEventName]?: Subscriber<E>[] } = {};

  /** Calls `subscriber` on every `event` from now on; returns the function that stops it. */
  on<E extends DomainEventName>(event: E, subscriber: Subscriber<E>): () => void {
    const list: Subscriber<E>[] = (this.subscribers[event] ??= []);
    list.push(subscriber);
    return () => {
      const i = list.indexOf(subscriber);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Delivers `payload` to the event's subscribers now, in the order they subscribed. */
  emit<E extends DomainEventName>(event: E, payload: DomainEventMap[E]): void {
    const list: Subscriber<E>[] | undefined = this.subscribers[event];
    if (!list) return;
    // A copy: one that subscribes or unsubscribes during delivery changes the next event's list, not this one's.
    for (const subscriber of [...list]) subscriber(payload);
  }
}
