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
  /**
   * Each event's subscribers. A list is never changed in place: subscribing or unsubscribing puts a new one, so a
   * delivery under way walks the list as it was when it started, and `emit` (on every task handed out) copies nothing.
   */
  private readonly subscribers: { [E in DomainEventName]?: { list: readonly Subscriber<E>[] } } = {};

  /** Calls `subscriber` on every `event` from now on; returns the function that stops it. */
  on<E extends DomainEventName>(event: E, subscriber: Subscriber<E>): () => void {
    const held: { list: readonly Subscriber<E>[] } = (this.subscribers[event] ??= { list: [] });
    held.list = [...held.list, subscriber];
    return () => {
      const i = held.list.indexOf(subscriber);
      if (i >= 0) held.list = [...held.list.slice(0, i), ...held.list.slice(i + 1)];
    };
  }

  /** Delivers `payload` to the event's subscribers now, in the order they subscribed. */
  emit<E extends DomainEventName>(event: E, payload: DomainEventMap[E]): void {
    const held: { list: readonly Subscriber<E>[] } | undefined = this.subscribers[event];
    if (!held) return;
    for (const subscriber of held.list) subscriber(payload);
  }
}
