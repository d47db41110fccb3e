import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The test pyramid, chosen by folder: each package has `test/unit` and `test/integration`.
 * - `*:unit`: pure code and in-process servers; no synthesis, no child processes; seconds.
 * - `*:integration`: the bundled functions in real execution environments, the local cloud, the
 *   AWS CLI; each package's global setup synthesizes what its suites need once for the run.
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
      { extends: true, test: { name: 'app:unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'app:integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/integration/global-setup.ts'] },
      },
      { extends: true, test: { name: 'local-cloud:unit', include: ['local-cloud/test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'local-cloud:integration',
          include: ['local-cloud/test/integration/**/*.test.ts'],
          globalSetup: ['local-cloud/test/integration/global-setup.ts'],
        },
      },
    ],
  },
});
