/**
 * The routing benchmark (issue 13, part 3): replays real crowd labels (Snow et al. 2008, ./routing/data.ts) through
 * the real server and task protocol, once per way of routing, each on a fresh project of one server: fixed
 * redundancy, adaptive redundancy (part 1), and escalation (part 2: a simulated persona judge first, humans where
 * it is unsure; ./routing/persona.ts), optionally a two-judge cascade. Reports human labels spent against the fixed
 * budget, consensus accuracy against the expert key, and for escalation the share of items judges decided and
 * their agreement with the key against the target. Fails (exit 1) when the server's record breaks an invariant.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { choice, list, type ChoiceOption } from './lib/args';
import { defineBenchmark } from './lib/benchmark';
import { machine } from './lib/machine';
import { resultHead, writeResult } from './lib/results';
import { startBenchServer } from './lib/server';
import { round, table } from './lib/stats';
import { DATASETS, loadCrowd } from './routing/data';
import { measure, type ModeResult } from './routing/measure';
import { PERSONA_JUDGES, PersonaJudge, readPersonaFile, type PersonaJudgeName } from './routing/persona';
import { replay, type ModeSpec } from './routing/replay';

const MODES = ['fixed', 'adaptive', 'escalate', 'cascade'] as const;
type Mode = (typeof MODES)[number];

/**
 * A free-text option (a folder, a file): bench/lib/args.ts knows numbers and words from a list, so this is a word
 * option whose list accepts any word.
 */
function text(defaultValue: string, help: string): ChoiceOption {
  const any = Object.assign(['<any text>'], { includes: () => true });
  return { default: defaultValue, choices: any, help };
}

export const routing = defineBenchmark({
  summary: 'real crowd labels (Snow et al. 2008) through the server: human labels and accuracy of fixed, adaptive and judge-escalated routing (issue 13)',
  options: {
    dataset: choice(DATASETS, 'which Snow et al. (2008) data set: RTE (800 items) or temporal ordering (462 items), 10 labels each'),
    // The one place a benchmark reads an environment variable other than BENCH_*: the name the opt-in crowd tests use.
    data: text(process.env.MACE_DATA_DIR ?? '', 'folder with <dataset>.csv and .key (a git archive of the MACE release, or its data/test); default MACE_DATA_DIR'),
    modes: list(MODES, ['fixed', 'adaptive', 'escalate'], 'ways of routing to run, each on a fresh project'),
    fixed: { default: 5, help: 'fixed mode: human labels per item (also the budget all modes are compared with)' },
    min: { default: 3, help: 'adaptive: labels every item takes first (it stops there when they agree)' },
    max: { default: 7, help: 'adaptive: the most labels an item may take' },
    judge: choice(PERSONA_JUDGES, 'escalate: the simulated judge (its published certainty–accuracy relationship); cascade: the second, stronger one'),
    first: choice(['command-r-plus', 'gpt-3.5-turbo', 'gpt-4o'], 'cascade: the first judge'),
    humans: choice(['adaptive', 'fixed'], 'escalate/cascade: the human rule on calibration and escalated items'),
    target: { default: 0.9, help: 'escalate: agreement with the humans the accepted verdicts must reach' },
    delta: { default: 0.1, help: 'escalate: error level of the certified thresholds' },
    calibration: { default: 0.1, help: 'escalate: share of items the humans always label' },
    clients: { default: 30, help: 'simulated human annotators (socket.io connections) at once' },
    poll: { default: 50, help: 'ms an annotator sleeps when told items are waiting' },
    seed: { default: 13, help: "seed of the simulated judges' draws" },
    deadline: { default: 900, help: 'seconds a mode may take before it counts as stuck' },
    json: text('', 'also write the result to this file (besides bench/results/routing-<dataset>.json)'),
    keep: { default: 0, help: '1 keeps the temporary database folder' },
  },
  async run(o, { command }) {
    if (o.min < 1 || o.max < o.min || o.fixed < 1) throw new Error('need 1 ≤ --min ≤ --max and --fixed ≥ 1');
    let crowd;
    try {
      crowd = loadCrowd(o.data, o.dataset);
    } catch (e) {
      console.error((e as Error).message);
      return 2;
    }
    const file = readPersonaFile();
    const judge = (name: PersonaJudgeName) => new PersonaJudge(name, o.seed, file);
    const adaptive = { min: o.min, max: o.max, stop: 'unanimous' as const };
    const humans = o.humans === 'fixed' ? o.fixed : adaptive;
    const route = { target: o.target, delta: o.delta, calibration: o.calibration };
    const specs: Record<Mode, ModeSpec> = {
      fixed: { name: `fixed ${o.fixed}`, redundancy: o.fixed },
      adaptive: { name: `adaptive ${o.min}–${o.max}`, redundancy: adaptive },
      escalate: { name: `escalate ${o.judge}`, redundancy: humans, escalate: { judges: [judge(o.judge)], ...route } },
      cascade: { name: `cascade ${o.first} → ${o.judge}`, redundancy: humans, escalate: { judges: [judge(o.first), judge(o.judge)], ...route } },
    };
    log(`${crowd.dataset}: ${crowd.items.length} items, classes ${crowd.classes.join('/')}, from ${crowd.dir}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-routing-'));
    const server = await startBenchServer(path.join(dir, 'concord.db'));
    const results: ModeResult[] = [];
    try {
      for (const mode of o.modes) {
        const spec = specs[mode];
        log(`${spec.name}: ${o.clients} annotators${spec.escalate ? ` and ${spec.escalate.judges.length} judge(s)` : ''}…`);
        const run = await replay(server, crowd, spec, { clients: o.clients, pollMs: o.poll, deadlineSeconds: o.deadline });
        const r = await measure(server, crowd, spec, run);
        results.push(r);
        log(`${spec.name}: ${r.humanLabels} human labels, accuracy ${r.accuracy.toFixed(4)}, ${r.seconds.toFixed(1)} s${r.violations.length ? `, ${r.violations.length} violations` : ''}`);
      }
    } finally {
      await server.close();
      if (o.keep) console.log(`kept ${dir}`);
      else fs.rmSync(dir, { recursive: true, force: true });
    }
    const judges = [...new Set(o.modes.some((m) => m === 'cascade') ? [o.first, o.judge] : o.modes.includes('escalate') ? [o.judge] : [])].map(judge);
    const result = {
      ...resultHead('routing', command, { ...o, data: crowd.dir }),
      data: { dataset: crowd.dataset, items: crowd.items.length, classes: crowd.classes, source: 'Snow, O’Connor, Jurafsky & Ng (2008), via the MACE release (github.com/dirkhovy/MACE @ 10f231ee)' },
      judges: judges.map((j) => ({ name: j.name, accuracy: j.accuracy, bins: j.bins })),
      modes: results,
      violations: results.reduce((a, r) => a + r.violations.length, 0),
    };
    print(result.modes, o.fixed);
    console.log(`\nwrote ${path.relative(process.cwd(), writeResult(`routing-${crowd.dataset}`, result))}`);
    if (o.json) {
      fs.writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
      console.log(`\nwrote ${o.json}`);
    }
    console.log(`\n${machine().cpu}, ${machine().nproc} CPUs`);
    return result.violations === 0 ? 0 : 1;
  },
});

const log = (s: string) => console.log(`[routing] ${s}`);
const pct = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${(100 * n).toFixed(1)}%`);

function print(modes: ModeResult[], fixed: number): void {
  const rows = modes.map((m) => {
    const e = m.escalate;
    const thresholds = e ? Object.entries(e.byJudge).map(([n, j]) => `${n}: ${j.threshold ?? 'none'} (${j.calibrationPoints} pts, ${pct(j.calibrationAgreement)})`).join('; ') : '–';
    return [
      m.mode,
      String(m.humanLabels),
      `${pct(m.humanLabels / m.budget)} of ${m.budget}`,
      pct(1 - m.humanLabels / (m.items * fixed)),
      `${pct(m.accuracy)} (${m.correct}/${m.items})`,
      e ? `${pct(e.judgeShare)} (${e.decidedByJudges})` : '–',
      e ? `${pct(e.judgeAccuracy)} vs ${e.target}` : '–',
      thresholds,
      `${round(m.seconds, 1)} s`,
      m.waves.length === 1 ? '1' : m.waves.map((w) => w.humanLabels).join(' + '),
      String(m.violations.length),
    ];
  });
  console.log('\n' + table(['mode', 'human labels', 'of budget', `saved vs fixed ${fixed}`, 'accuracy (key)', 'judge-decided', 'judge acc. (key)', 'thresholds (calibration)', 'wall', 'crowd waves', 'violations'], rows));
  for (const m of modes) for (const v of m.violations.slice(0, 10)) console.log(`  ${m.mode}: ${v}`);
}

