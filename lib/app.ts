#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MultiSquareStack } from './multi-square-stack';

// The app: the stack, and cdk-nag's AwsSolutions checks, which fail the synth on any finding not acknowledged.
const app = new App();
new MultiSquareStack(app, 'MultiSquare', {
  description: 'multi-square: a coordinator behind an HTTP API fans out to one squarer invocation per number',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
