import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Integration files that load the machine on purpose (hundreds of function processes at once,
 * thousands of requests) and assert deadlines under that load: each runs alone, after the others,
 * so that neither it nor a file beside it is judged on a machine the other is saturating.
 */
const ALONE = {
  app: ['test/integration/reliability/{load,faults,targeted-faults,hostile-input}.test.ts', 'test/integration/end-to-end/jobs.test.ts'],
  localCloud: [
    'local-cloud/test/integration/lambda/lambda-scale.test.ts',
    'local-cloud/test/integration/package/packed-local-cloud.test.ts',
  ],
};
const alone = { maxWorkers: 1, sequence: { groupOrder: 1 } };

/**
 * The unit projects load their modules once per worker rather than once per file (`isolate: false`):
 * importing (the SDK, the local cloud's layers) was half of their time. So a unit test file must
 * leave no state behind: hooks registered by each file (not when a shared support module loads),
 * fake timers and servers undone in `afterEach`; `--sequence.shuffle.files` runs them in another
 * order to check.
 */
const sharedModules = { isolate: false };

/**
 * The test pyramid, chosen by folder: each package has `test/unit` and `test/integration`.
 * - `*:unit`: pure code and in-process servers; no synthesis, no child processes; seconds.
 * - `*:integration`: the bundled functions in real execution environments, the local cloud, the
 *   AWS CLI; each package's global setup synthesizes what its suites need, once for their sources
 *   (a cache under `.local-cloud/test-assemblies`).
 * - `*:integration:alone`: the few integration files in {@link ALONE}, one at a time after the rest.
 * One level: `npx vitest run --project '*:unit'`; one file: `npx vitest run test/unit/functions/square.test.ts`.
 *
 * As many workers as the machine has cores (vitest's own default leaves one idle, which on two
 * cores runs every file one after another): the files run side by side, each stack on ports of its
 * own (port 0) and each process staging code in a folder of its own.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: availableParallelism(),
    projects: [
      { extends: true, test: { name: 'app:unit', include: ['test/unit/**/*.test.ts'], ...sharedModules } },
      {
        extends: true,
        test: {
          name: 'app:integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ALONE.app],
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'app:integration:alone', include: ALONE.app, globalSetup: ['test/integration/global-setup.ts'], ...alone },
      },
      { extends: true, test: { name: 'local-cloud:unit', include: ['local-cloud/test/unit/**/*.test.ts'], ...sharedModules } },
      {
        extends: true,
        test: {
          name: 'local-cloud:integration',
          include: ['local-cloud/test/integration/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ALONE.localCloud],
          globalSetup: ['local-cloud/test/integration/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'local-cloud:integration:alone',
          include: ALONE.localCloud,
          globalSetup: ['local-cloud/test/integration/global-setup.ts'],
          ...alone,
        },
      },
    ],
  },
});
