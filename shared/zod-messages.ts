/**
 * The messages zod gives for every schema that does not set its own, written for a person to act on: what the
 * field must be and what it was ("must be a number, not the text "seven""). The field's name is added by whoever
 * reports the issue. shared/schemas.ts installs it with `z.config`.
 */
import type { z } from 'zod';

const NOUN: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : typeof v;
}

export const issueMessage: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined ? 'is required' : `must be ${NOUN[iss.expected] ?? iss.expected}, not ${describe(iss.input)}`;
    case 'invalid_value':
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, not ${describe(iss.input)}`;
    case 'too_small':
      return iss.origin === 'string'
        ? Number(iss.minimum) <= 1 ? 'cannot be empty' : `must be at least ${iss.minimum} characters`
        : iss.origin === 'array' ? `must have at least ${iss.minimum} entries` : `must be at least ${iss.minimum}`;
    case 'too_big':
      return iss.origin === 'string' ? `must be at most ${iss.maximum} characters` : iss.origin === 'array' ? `must have at most ${iss.maximum} entries` : `must be at most ${iss.maximum}`;
    default:
      return undefined;
  }
};
