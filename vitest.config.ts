import { defineConfig } from 'vitest/config';

/**
 * Two projects of one `npm test`:
 * - `unit`: pure code and in-process servers; no synthesis, no child processes; seconds.
 * - `integration`: the bundled functions in real execution environments, the local cloud, the
 *   AWS CLI; one global setup synthesizes the app and the fixture app once for the whole run.
 * One project: `npx vitest run --project unit`; one file: `npx vitest run test/functions/square.test.ts`.
 */
const unitTests = [
  'test/functions/!(coordinator).test.ts',
  'test/local-cloud/http-api.test.ts',
  'test/local-cloud/sigv4-verifier.test.ts',
  'test/observability/emf.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: unitTests },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: unitTests,
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
