/** One JSON record's text checked and parsed: its size against the limit, its nesting, then JSON.parse. */
import type { ErrorDetail } from '../../shared/errors';
import { jsonTooDeep, MAX_JSON_DEPTH, tooDeepMessage } from '../../shared/json-depth';
import type { Problems } from './parse';

export const tooBig = (line: number, bytes: number, max: number): ErrorDetail => ({
  line,
  message: `record is ${bytes} bytes, over the ${max}-byte limit for one record`,
});

/** Whether a text has enough `{` and `[` to nest past the limit at all: most records have a handful, counted far faster than scanned. */
function mayBeTooDeep(json: string): boolean {
  let n = 0;
  for (const c of ['{', '[']) for (let i = json.indexOf(c); i !== -1; i = json.indexOf(c, i + 1)) if (++n > MAX_JSON_DEPTH) return true;
  return false;
}

/** Checks one JSON text's nesting, then parses it; a problem is added with its line and nothing returned. */
export function parseChecked(json: string, line: number, problems: Problems): { value: unknown } | null {
  const deep = mayBeTooDeep(json) ? jsonTooDeep(json) : null;
  if (deep) {
    problems.add(deep.field === undefined ? { line, message: tooDeepMessage() } : { line, field: deep.field, message: tooDeepMessage() });
    return null;
  }
  try {
    return { value: JSON.parse(json) };
  } catch (e) {
    problems.add({ line, message: `not valid JSON: ${(e as Error).message}` });
    return null;
  }
}
