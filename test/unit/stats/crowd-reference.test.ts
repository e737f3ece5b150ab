/**
 * MACE and Dawid–Skene against their reference implementations on synthetic crowds with known truth
 * (test/fixtures/crowd: data from synthetic.py; reference runs of the MACE release, Hovy et al. 2013, and of
 * crowd-kit's DawidSkene, with the commands, in README.md there).
 */
import { join } from 'node:path';
import { committed, describeAgainstReference } from '../../fixtures/crowd/against-reference';

const dir = join(__dirname, '../../fixtures/crowd');
describeAgainstReference('synthetic-binary', committed(dir, 'synthetic-binary'));
describeAgainstReference('synthetic-pairwise', committed(dir, 'synthetic-pairwise'));
