import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Starts the longest test files first, so that on a fresh clone (no vitest cache, as on CI) the
 * run does not end with one long file running alone while the other workers sit idle. The list is
 * from a measured run (`npx vitest run --reporter=json`), longest first; files not in it follow
 * in vitest's own order (by its cache of durations, or larger files first).
 */
const LONGEST = [
  'test/faults/kill-storm.test.ts',
  'test/e2e/admin.test.ts',
  'test/e2e/host.test.ts',
  'test/security/hostile-input.test.ts',
  'test/integration/roster-import.test.ts',
  'test/e2e/display.test.ts',
  'test/e2e/judge.test.ts',
  'test/integration/server-start.test.ts',
  'test/integration/roster-import-files.test.ts',
  'test/integration/restart.test.ts',
];

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = LONGEST.indexOf(relative(spec.project.config.root, spec.moduleId));
      return i === -1 ? LONGEST.length : i;
    };
    // a stable sort: the rest keep the base sequencer's order
    return sorted.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map(({ spec }) => spec);
  }
}
