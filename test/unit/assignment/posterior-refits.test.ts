/**
 * When the posterior stop's model is refitted (server/assignment/posterior-refits.ts): every 20 human labels or 2 s
 * after the first unfitted one, one fit at a time per project, at once for a pool with no snapshot; each snapshot
 * applied to the real pool. The fit itself is a promise the test settles (the report worker is tested elsewhere).
 */
import pino from 'pino';
import { PosteriorRefits, REFIT } from '../../../server/assignment/posterior-refits';
import { DomainEvents } from '../../../server/events';
import type { PosteriorModelData } from '../../../shared/stats/crowd/posterior';
import type { StoredLabel } from '../../../shared/events';
import type { Project } from '../../../shared/views';
import { makePool, poolSettings } from './pool-fixtures';

const settings = poolSettings({ redundancy: { min: 2, max: 5, stop: 'posterior', posterior: 0.95 } });
const project = { id: 1, redundancy: settings.redundancy, aggregation: 'majority' } as Project;
const data: PosteriorModelData = { method: 'majority', classes: ['A', 'B'], votes: 0, accuracy: 0.9 };
const label = { id: 1, itemId: 1, annotatorId: 1, value: 'A' } as StoredLabel;

function setUp() {
  const pool = makePool(settings, { items: 3 });
  const fits: Array<(d: PosteriorModelData) => void> = [];
  const events = new DomainEvents();
  const refits = new PosteriorRefits({
    state: () => ({ project, pool }),
    fit: () => new Promise((resolve) => fits.push(resolve)),
    logger: pino({ level: 'silent' }),
  });
  refits.subscribe(events);
  const labels = (n: number) => {
    for (let k = 0; k < n; k++) events.emit('label:stored', { projectId: 1, label, kind: 'human' });
  };
  return { pool, fits, events, refits, labels };
}
const settle = () => new Promise((r) => setImmediate(r));

beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

test('a pool with no snapshot asks for one at its first change; the snapshot lands in the pool', async () => {
  const { pool, fits, events, refits } = setUp();
  events.emit('pool:changed', { projectId: 1 });
  expect(fits).toHaveLength(1);
  fits[0]!({ ...data, votes: 7 });
  await settle();
  expect(pool.posteriorModel?.data.votes).toBe(7);
  events.emit('pool:changed', { projectId: 1 });
  expect(fits).toHaveLength(1);
  refits.close();
});

test('20 human labels start a fit at once; fewer start one 2 s after the first; one fit at a time', async () => {
  const { fits, labels, events, refits } = setUp();
  labels(REFIT.labels - 1);
  expect(fits).toHaveLength(0);
  labels(1);
  expect(fits).toHaveLength(1);
  labels(REFIT.labels); // arrive while the fit runs: counted for the next, no second fit yet
  events.emit('label:stored', { projectId: 1, label, kind: 'llm' }); // a judge's label does not count
  expect(fits).toHaveLength(1);
  fits[0]!(data);
  await settle();
  expect(fits).toHaveLength(2); // the 20 that came meanwhile
  fits[1]!(data);
  await settle();
  labels(3);
  jest.advanceTimersByTime(REFIT.ms - 1);
  expect(fits).toHaveLength(2);
  jest.advanceTimersByTime(1);
  expect(fits).toHaveLength(3);
  refits.close();
});

test('after close nothing is fitted or applied', async () => {
  const { pool, fits, labels, refits } = setUp();
  labels(REFIT.labels);
  refits.close();
  fits[0]!(data);
  await settle();
  expect(pool.posteriorModel).toBeNull();
  labels(REFIT.labels);
  expect(fits).toHaveLength(1);
});
