/** What the stack tests share: finding a resource in a template, and a nag-checked stack synthesized in process. */
import { Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { expect } from 'vitest';
import { MultiSquareStack } from '../../../../lib/multi-square-stack';
import { appInTemporaryFolder } from '../../../support/app-in-temporary-folder';

/** The logical ID of the one resource of `type` in `template` whose properties include `props` (the test fails if there is not exactly one). */
export function onlyLogicalIdIn(template: Template): (type: string, props?: Record<string, unknown>) => string {
  return (type, props = {}) => {
    const ids = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
    expect(ids).toHaveLength(1);
    return ids[0] ?? '';
  };
}

/** The stack built with `context`, cdk-nag's AwsSolutions checks added, in an app removed when the test ends; `app.synth()` runs the checks. */
export function nagCheckedStack(context: Record<string, unknown>) {
  const app = appInTemporaryFolder({ context });
  const stack = new MultiSquareStack(app, 'Configured');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
