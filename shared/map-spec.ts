/**
 * A field map's spec, `question=instruction,answer_a=output_1,…` (item field = source field): read by the server's
 * `--map` import (server/imports/presets/mapping.ts `mapPreset`) and checked by the dashboard before it sends one,
 * in the same words. Plain code, no imports: safe for the browser.
 */

/**
 * The spec's target → source pairs, or the problem with it in plain words. With `targets`, a target that is not one
 * of them is a problem (the dashboard leaves that to the server, which knows the project's item fields).
 */
export function parseMapSpec(spec: string, targets?: readonly string[]): Record<string, string> | string {
  const fields: Record<string, string> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return `"${part}" is not target=source (e.g. question=instruction)`;
    const target = part.slice(0, eq).trim();
    if (targets && !targets.includes(target)) return `"${target}" is not an item field: map to one of ${targets.join(', ')}`;
    if (fields[target]) return `${target} is mapped twice`;
    fields[target] = part.slice(eq + 1).trim();
  }
  if (!Object.keys(fields).length) return 'the map is empty: give target=source pairs, e.g. question=instruction,answer_a=output_1,answer_b=output_2';
  return fields;
}
