/**
 * MACE and Dawid–Skene on real crowds with known truth: the RTE (800 items, 164 annotators) and temporal ordering
 * (462 items, 76 annotators) Mechanical Turk annotations of Snow, O'Connor, Jurafsky & Ng (2008), "Cheap and
 * Fast — But is it Good?", EMNLP 254–263, as the MACE release ships them (data/test/{rte,temporal}.{csv,key}),
 * without and with controls (the key's class on every 10th item, made here at run time). Their data carry no
 * licence, so the repository holds only the reference runs' numbers (test/fixtures/crowd/snow2008-reference.json,
 * from snow2008-reference.py; README.md there) and the test is opt-in, reading the release's own files:
 *   git clone https://github.com/dirkhovy/MACE /tmp/MACE && mkdir -p /tmp/mace-release &&
 *   git -C /tmp/MACE archive 10f231ee2d43d6e38c777cbbed299f9ecd1c2d07 data/test | tar -x -C /tmp/mace-release &&
 *   MACE_DATA_DIR=/tmp/mace-release npx jest test/unit/stats/crowd-snow2008.test.ts
 * The release's printed accuracies (snow2008-reference.json): RTE 0.92625 (30 of 30 runs), with controls 0.92875
 * (10/10); temporal 0.9415584415584416 (29 of 30; one run stopped in a lower optimum, 0.9437229437229437), with
 * controls 0.948051948051948 (10/10).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeAgainstReference, type Loaded } from '../../fixtures/crowd/against-reference';
import { readMace, readNumbersOnly, withKey } from '../../fixtures/crowd/mace-csv';

const releaseDir = process.env.MACE_DATA_DIR;
const dataDir = releaseDir ? join(releaseDir, 'data/test') : '';
/** The files read, as git blob ids at 10f231ee (`git ls-tree -r`): a wrong or changed folder fails loudly. */
const RELEASE_BLOBS: Record<string, string> = {
  'rte.csv': '1180979edeb37e8ab518ddb4bc214f0ae3f75c80',
  'rte.key': 'd6dce525d22d1715c627ce990411c708a89a219b',
  'temporal.csv': '6d9db72be978d6570ef069436fe5113de59971c1',
  'temporal.key': '1eca05dc4c2d45ea4e744af747bd9f7ad56b980f',
};
const gitBlob = (bytes: Buffer): string => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

function load(name: string): () => Loaded {
  return () => {
    const plain = readMace(dataDir, name);
    const ref = readNumbersOnly(join(__dirname, '../../fixtures/crowd/snow2008-reference.json'))[name]!;
    return { data: { plain, controls: readMace(dataDir, name, 'every-tenth') }, ref: withKey(ref, plain) };
  };
}

(releaseDir ? describe : describe.skip)('crowd models on Snow et al. (2008) RTE and temporal (opt-in: MACE_DATA_DIR=<a git archive of the MACE release> npx jest test/unit/stats/crowd-snow2008.test.ts)', () => {
  test('reads the release’s files at 10f231ee, byte for byte (git blob ids)', () => {
    for (const [file, blob] of Object.entries(RELEASE_BLOBS)) expect([file, gitBlob(readFileSync(join(dataDir, file)))]).toEqual([file, blob]);
  });
  describeAgainstReference('rte', load('rte'));
  describeAgainstReference('temporal', load('temporal'));
});
