import path from 'node:path';
import { synthesizeIfChanged } from '@multi-square/local-cloud';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * A cloud assembly of the app with default configuration. Suites that send thousands of
     * requests raise the stage throttling on the running stack (`httpApiThrottling`), not by
     * synthesizing again.
     */
    cdkOut: string;
    /** The app with `-c tracing=true -c alarmEmail=oncall@example.com`: the traced bundles and the alarm subscription. */
    cdkOutTraced: string;
  }
}

/** The context of {@link ProvidedContext.cdkOutTraced}. */
export const TRACED_CONTEXT = { tracing: true, alarmEmail: 'oncall@example.com' } as const;

/**
 * Synthesizes the real app as `cdk synth` does (cdk.json's command and context, cdk-nag's checks
 * included) into a cache under `.local-cloud/test-assemblies/`, only when the app's sources, the
 * lock file or the context changed since the assembly there was made: a second `npm test` over the
 * same sources synthesizes nothing.
 */
export default async function setup(project: TestProject): Promise<void> {
  const projectDirectory = path.resolve(import.meta.dirname, '..', '..');
  const cache = path.join(projectDirectory, '.local-cloud', 'test-assemblies');
  const [plain, traced] = await Promise.all([
    synthesizeIfChanged({ projectDirectory, outdir: path.join(cache, 'default') }),
    synthesizeIfChanged({ projectDirectory, outdir: path.join(cache, 'traced'), context: TRACED_CONTEXT }),
  ]);
  project.provide('cdkOut', plain.outdir);
  project.provide('cdkOutTraced', traced.outdir);
}
