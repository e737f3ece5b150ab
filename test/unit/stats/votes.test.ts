import { aggregateSwap, aggregateVerdicts } from '../../../shared/stats/pairwise';
import { oneVote } from '../../../shared/stats/votes';

describe('aggregateVerdicts', () => {
  test('on two runs it is aggregateSwap, under both rules', () => {
    const v = ['A', 'B', 'tie'] as const;
    for (const ab of v) for (const ba of v) for (const rule of ['net', 'strict'] as const) expect(aggregateVerdicts([ab, ba], rule)).toBe(aggregateSwap(ab, ba, rule));
  });
  test('net sums the runs of both orders and every sample; strict keeps only a verdict every run gave', () => {
    expect(aggregateVerdicts(['A', 'A', 'A', 'B'], 'net')).toBe('A');
    expect(aggregateVerdicts(['A', 'B', 'A', 'B'], 'net')).toBe('tie');
    expect(aggregateVerdicts(['A', 'A', 'A', 'B'], 'strict')).toBe('tie');
    expect(aggregateVerdicts(['B', 'B', 'B', 'B'], 'strict')).toBe('B');
  });
});

describe('oneVote', () => {
  test('a pairwise judge with four runs casts one verdict, by the net rule', () => {
    expect(oneVote(['A', 'A', 'A', 'B'], true)).toBe('A');
    expect(oneVote(['A', 'tie', 'tie', 'tie'], true)).toBe('A');
    expect(oneVote(['A', 'B'], true)).toBe('tie');
  });
  test('ratings and choices: the plurality of the samples; a shared top count is no vote; one label is its own vote', () => {
    expect(oneVote([3, 4, 4], false)).toBe(4);
    expect(oneVote([3, 4], false)).toBeNull();
    expect(oneVote(['cat'], false)).toBe('cat');
    expect(oneVote([], false)).toBeNull();
  });
});
