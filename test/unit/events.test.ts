import { DomainEvents } from '../../server/events';
import type { StoredLabel } from '../../shared/events';

const label: StoredLabel = { id: 7, itemId: 3, annotatorId: 2, value: 'A', certainty: null, order: 'AB', sample: 0, durationMs: 1200, permutation: null };

describe('DomainEvents', () => {
  test('delivers each payload to the event’s subscribers at once, in the order they subscribed', () => {
    const events = new DomainEvents();
    const heard: string[] = [];
    events.on('label:stored', ({ projectId, label: l, kind }) => heard.push(`report ${projectId} ${l.id} ${kind}`));
    events.on('project:deleted', ({ projectId }) => heard.push(`deleted ${projectId}`));
    events.on('label:stored', ({ label: l }) => heard.push(`gold ${l.itemId}`));
    events.on('label:stored', () => heard.push('progress'));

    events.emit('label:stored', { projectId: 1, label, kind: 'human' });
    // Synchronous: heard before emit returns, and only by this event's subscribers.
    expect(heard).toEqual(['report 1 7 human', 'gold 3', 'progress']);
    events.emit('project:deleted', { projectId: 4 });
    expect(heard.slice(3)).toEqual(['deleted 4']);
  });

  test('types each subscriber and each emit from the event map', () => {
    const events = new DomainEvents();
    // @ts-expect-error: a 'project:deleted' payload has no label
    events.on('project:deleted', ({ label: l }) => l);
    // @ts-expect-error: 'label:stored' needs the label and the annotator's kind
    events.emit('label:stored', { projectId: 1 });
    // @ts-expect-error: no such event
    events.emit('project:renamed', { projectId: 1 });
    expect(() => events.emit('pool:changed', { projectId: 1 })).not.toThrow();
  });

  test('an event nobody subscribed to is delivered to nobody', () => {
    const events = new DomainEvents();
    expect(() => events.emit('annotator:promoted', { projectId: 1, from: -1, to: 5 })).not.toThrow();
  });

  test('a subscriber that unsubscribes hears nothing more; the others still do', () => {
    const events = new DomainEvents();
    const heard: number[] = [];
    const stop = events.on('pool:changed', ({ projectId }) => heard.push(projectId));
    events.on('pool:changed', ({ projectId }) => heard.push(-projectId));
    events.emit('pool:changed', { projectId: 1 });
    stop();
    stop(); // twice is harmless
    events.emit('pool:changed', { projectId: 2 });
    expect(heard).toEqual([1, -1, -2]);
  });

  test('unsubscribing during a delivery changes the next event’s subscribers, not this one’s', () => {
    const events = new DomainEvents();
    const heard: string[] = [];
    let stopSecond = () => {};
    events.on('pool:reloaded', () => {
      heard.push('first');
      stopSecond();
    });
    stopSecond = events.on('pool:reloaded', () => heard.push('second'));
    events.emit('pool:reloaded', { projectId: 1 });
    events.emit('pool:reloaded', { projectId: 1 });
    expect(heard).toEqual(['first', 'second', 'first']);
  });

  test('a subscriber’s exception reaches the caller of emit, and later subscribers do not run', () => {
    const events = new DomainEvents();
    const heard: string[] = [];
    events.on('project:changed', () => heard.push('before'));
    events.on('project:changed', () => {
      throw new Error('disk full');
    });
    events.on('project:changed', () => heard.push('after'));
    expect(() => events.emit('project:changed', { projectId: 1 })).toThrow('disk full');
    expect(heard).toEqual(['before']);
  });
});
