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
  // The app as `cdk synth` builds it, the CDK's built-in CloudFormation validation included
  // (cdk.json makes its findings errors): the stack tests read this assembly.
  const validation = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  const plain = await synthesizeIfChanged({ projectDirectory, outdir: path.join(cache, 'default') });
  skipValidationInLaterSyntheses(validation);
  const traced = await synthesizeIfChanged({ projectDirectory, outdir: path.join(cache, 'traced'), context: TRACED_CONTEXT });
  project.provide('cdkOut', plain.outdir);
  project.provide('cdkOutTraced', traced.outdir);
}

/**
 * Every later synthesis of the run (the traced variant, the suites' own apps, in-process stacks,
 * the syntheses of `npm start` in the dev-loop suites) skips the CDK's built-in CloudFormation
 * validation: it is about half of a synthesis's CPU (≈ 9 of 19 s of user CPU for this app), and
 * what it checks is the template above, checked once. Set for the run's processes, which inherit
 * it; `CDK_VALIDATION=true npm test` keeps it everywhere.
 */
function skipValidationInLaterSyntheses(given: string | undefined = process.env.CDK_VALIDATION): void {
  process.env.CDK_VALIDATION = given ?? 'false';
}
