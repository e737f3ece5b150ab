/**
 * A simulated LLM judge whose verdicts and certainties follow a published certainty–accuracy relationship of
 * persona judging: Dong, Hu & Collier (2024), "Can LLM be a Personalized Judge?" (Findings of EMNLP 2024), PRISM
 * with the persona given, certainty asked on 1–100. persona-judges.json holds only derived numbers (per certainty
 * bin: verdicts and correct verdicts, read from the authors' released figures and outputs; README.md here says
 * how). For each item the judge draws a bin with the bin's share of verdicts, is right with the bin's accuracy
 * (right = the expert key's class; wrong = another class), and states a certainty drawn uniformly in the bin.
 * Draws are seeded per (seed, judge, item), so a judge says the same of an item in every mode and run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { mulberry32 } from '../../shared/stats/random';

const Bin = z.strictObject({ from: z.int().min(1), to: z.int().max(100), figure_bin: z.int() });
const Judge = z
  .strictObject({ figure: z.string(), outputs: z.string().optional(), total: z.array(z.int().min(0)), correct: z.array(z.int().min(0)) })
  .refine((j) => j.total.length === j.correct.length && j.correct.every((c, i) => c <= j.total[i]!), { error: 'correct must be at most total, bin by bin' });
const PersonaFile = z.strictObject({ source: z.string(), task: z.string(), bins: z.array(Bin).min(1), judges: z.record(z.string(), Judge) });

export type PersonaFile = z.infer<typeof PersonaFile>;

/** The judges persona-judges.json describes (a cascade names them in order, e.g. `command-r-plus,gpt-4o`). */
export const PERSONA_JUDGES = ['gpt-4o', 'command-r-plus', 'gpt-3.5-turbo'] as const;
export type PersonaJudgeName = (typeof PERSONA_JUDGES)[number];

export function readPersonaFile(file = path.join(__dirname, 'persona-judges.json')): PersonaFile {
  const parsed = PersonaFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (const [name, j] of Object.entries(parsed.data.judges))
    if (j.total.length !== parsed.data.bins.length) throw new Error(`${file}: judges.${name} has ${j.total.length} bins, the file ${parsed.data.bins.length}`);
  return parsed.data;
}

export interface Verdict {
  value: string;
  certainty: number;
  /** Whether the verdict is the key's class (what the simulation drew; the benchmark checks the server against it). */
  right: boolean;
}

/** One bin of a judge's relationship, as the benchmark reports it. */
export interface PersonaBin {
  from: number;
  to: number;
  share: number;
  accuracy: number;
}

export class PersonaJudge {
  readonly bins: PersonaBin[];
  private readonly salt: number;

  constructor(
    readonly name: PersonaJudgeName,
    private readonly seed: number,
    file: PersonaFile = readPersonaFile(),
  ) {
    const j = file.judges[name];
    if (!j) throw new Error(`persona-judges.json has no judge ${name}`);
    const n = j.total.reduce((a, b) => a + b, 0);
    this.bins = file.bins.map((b, i) => ({ from: b.from, to: b.to, share: j.total[i]! / n, accuracy: j.total[i]! ? j.correct[i]! / j.total[i]! : 0 }));
    this.salt = [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0, 0x811c9dc5);
  }

  /** Overall accuracy of the relationship (the authors' agreement with the users). */
  get accuracy(): number {
    return this.bins.reduce((a, b) => a + b.share * b.accuracy, 0);
  }

  /** The judge's verdict on item `index` whose key is `truth`, among `classes`. */
  verdict(index: number, truth: string, classes: readonly string[]): Verdict {
    const rng = mulberry32((Math.imul(this.seed, 0x9e3779b1) ^ this.salt ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
    let u = rng();
    let bin = this.bins[this.bins.length - 1]!;
    for (const b of this.bins) {
      if (u < b.share) {
        bin = b;
        break;
      }
      u -= b.share;
    }
    const right = rng() < bin.accuracy;
    const others = classes.filter((c) => c !== truth);
    const value = right || others.length === 0 ? truth : others[Math.floor(rng() * others.length)]!;
    const certainty = bin.from + Math.floor(rng() * (bin.to - bin.from + 1));
    return { value, certainty, right: value === truth };
  }
}
