/** MinHeap: lease expiries come out smallest key first, however they went in. */
import { MinHeap } from '../../../server/assignment/heap';
import { seeded } from './pool-fixtures';

describe('MinHeap', () => {
  test('pops values in ascending key order, ties included, across interleaved pushes and pops', () => {
    const random = seeded(11);
    const heap = new MinHeap<number>();
    const model: number[] = [];
    for (let step = 0; step < 5000; step++) {
      if (model.length === 0 || random() < 0.6) {
        const key = Math.floor(random() * 200);
        heap.push(key, key);
        model.push(key);
      } else {
        model.sort((a, b) => a - b);
        expect(heap.peekKey()).toBe(model[0]);
        expect(heap.pop()).toBe(model.shift());
      }
      expect(heap.size).toBe(model.length);
    }
  });

  test('an empty heap has no key and pops nothing; clear empties it', () => {
    const heap = new MinHeap<string>();
    expect(heap.peekKey()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
    heap.push(2, 'b');
    heap.push(1, 'a');
    expect(heap.pop()).toBe('a');
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
  });
});
