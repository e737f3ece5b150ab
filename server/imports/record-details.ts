/** A record's zod problems in the words a person fixing the file needs, each with its line and field. */
import type { z } from 'zod';
import type { ErrorDetail } from '../../shared/errors';

/**
 * The problems of one record, each with its line and field. zod reports an unknown field without a path and a
 * missing union-typed field (`id`, `item`, `value`) as "Invalid input"; a person fixing the file needs the
 * field's name and the plain reason. A field inside a list is named by its path (`conversation_b.2.content`), and
 * the checks across fields (item-schemas.ts: a pair's user turns, the judged turn) keep their own words.
 */
export function recordDetails(error: z.ZodError, line: number, value: unknown, fields: readonly string[]): ErrorDetail[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [{ line, message: `each record must be a JSON object with fields ${fields.join(', ')}` }];
  const record = value as Record<string, unknown>;
  const out: ErrorDetail[] = [];
  for (const issue of error.issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push(
          at
            ? { line, field: `${at}.${key}`, message: `unknown field "${key}" in ${at}` }
            : { line, field: key, message: `unknown field "${key}" (a record here has ${fields.join(', ')})` },
        );
    } else if (issue.code !== 'custom' && issue.path.length === 1 && record[at] === undefined) {
      out.push({ line, field: at, message: `${at} is required` });
    } else out.push(at ? { line, field: at, message: unionMessage(issue, at) ?? issue.message } : { line, message: issue.message });
  }
  return out;
}

/** Plain words for the fields that take one of several shapes, where zod says only "Invalid input". */
function unionMessage(issue: z.core.$ZodIssue, at: string): string | null {
  if (issue.code !== 'invalid_union') return null;
  if (/(^|\.)images\.\d+$/.test(at)) return 'an image is a relative path or an http(s):// URL, or {"src": …, "alt": …}';
  if (/^conversation(_a|_b)?\.\d+\.content$/.test(at))
    return 'content is a string, null (only for an assistant message that calls tools), or a list of {"type":"text","text"} and {"type":"image_url","image_url":{"url"}} parts';
  if (/^(gold|value)(\.\d+)+$/.test(at) || at === 'gold') return 'a ranking is a list of answer indexes best first, e.g. [2, 0, 1] (ties as groups: [[2], [0, 1]])';
  if (at === 'value') return 'value must be a string, a number, or (ranking projects) a list of answer indexes best first';
  return null;
}
