/** shared/certainty.ts: the steps a certainty scale moves in, and the text the annotator sees for a value. */
import { certaintyStep, checkCertaintyStep, formatCertainty, nudgeCertainty, snapCertainty } from '../../shared/certainty';

describe('certainty scale steps', () => {
  test('integer scales move in whole numbers, a 0–1 probability in hundredths', () => {
    expect(certaintyStep({ min: 1, max: 100 })).toBe(1);
    expect(certaintyStep({ min: 1, max: 5 })).toBe(1);
    expect(certaintyStep({ min: 0, max: 1 })).toBe(0.01);
  });

  test('a dragged value lands on the nearest step, inside the scale, without floating-point noise', () => {
    expect(snapCertainty({ min: 1, max: 100 }, 40.6)).toBe(41);
    expect(snapCertainty({ min: 0, max: 1 }, 0.5700000000000001)).toBe(0.57);
    expect(snapCertainty({ min: 1, max: 100 }, 140)).toBe(100);
  });

  test('-/= go to the next tenth of the scale, starting from the middle', () => {
    const s = { min: 1, max: 100 };
    expect(nudgeCertainty(s, null, 1)).toBe(60);
    expect(nudgeCertainty(s, null, -1)).toBe(40);
    expect(nudgeCertainty(s, 47, 1)).toBe(50);
    expect(nudgeCertainty(s, 10, -1)).toBe(1);
    expect(nudgeCertainty({ min: 0, max: 1 }, null, 1)).toBe(0.6);
    expect(nudgeCertainty({ min: 1, max: 5 }, null, 1)).toBe(4);
  });

  test('the text shown is the value stored: 40 on 1–100 is "40%", 0.57 on 0–1 is "57%", 3 on 1–5 is "3 of 5"', () => {
    expect(formatCertainty({ min: 1, max: 100 }, 40)).toBe('40%');
    expect(formatCertainty({ min: 0, max: 1 }, 0.57)).toBe('57%');
    expect(formatCertainty({ min: 1, max: 5 }, 3)).toBe('3 of 5');
  });

  test('a value between the steps is named with the steps to use', () => {
    expect(checkCertaintyStep({ min: 1, max: 100 }, 41)).toBeNull();
    expect(checkCertaintyStep({ min: 1, max: 100 }, 40.6)).toMatch(/whole number from 1 to 100/);
    expect(checkCertaintyStep({ min: 0, max: 1 }, 0.57)).toBeNull();
    expect(checkCertaintyStep({ min: 0, max: 1 }, 0.575)).toMatch(/steps of 0.01/);
  });
});
