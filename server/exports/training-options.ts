import { z } from 'zod';
import { Flag } from '../../shared/schemas';

/** The training exports' options (training.ts), apart so the export query can include them without a cycle. */
export const TrainingOptions = z.object({
  /** sft, dpo: the built-in judge template the prompt is rendered with (the project's default when none). */
  template: z.string().max(100).optional(),
  /** sft: every item in both orders (JudgeLM's swap augmentation). */
  swap: Flag.default(false),
  /** sft, dpo: put the item's reference answer in the prompt when it has one. */
  reference_answer: Flag.default(true),
});
