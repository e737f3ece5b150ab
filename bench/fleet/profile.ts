/**
 * Reads a V8 CPU profile (`node --cpu-prof`, a .cpuprofile file) and lists the functions with the most self time,
 * so a run says where the server spent its CPU without opening the profile in a viewer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const Profile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      hitCount: z.number().optional(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
});

export interface HotFunction {
  name: string;
  where: string;
  /** Share of all samples (idle included) spent in this function itself. */
  selfShare: number;
}

/** The `top` functions by self time in a profile file, with where they are (file:line, relative to the repo). */
export function hotFunctions(file: string, top = 15): HotFunction[] {
  const p = Profile.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const total = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
  const byFunction = new Map<string, HotFunction>();
  const root = path.resolve(__dirname, '../..');
  for (const n of p.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url.startsWith('file://') ? path.relative(root, new URL(url).pathname) : url;
    const where = file ? `${file}:${lineNumber + 1}` : '';
    const name = functionName || '(anonymous)';
    const key = `${name} ${where}`;
    const f = byFunction.get(key) ?? { name, where, selfShare: 0 };
    f.selfShare += (n.hitCount ?? 0) / total;
    byFunction.set(key, f);
  }
  return [...byFunction.values()].sort((a, b) => b.selfShare - a.selfShare).slice(0, top);
}

/** The newest .cpuprofile file in a folder, or null. */
export function newestProfile(dir: string): string | null {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  const newest = files.map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  return newest ?? null;
}
