#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MultiSquareStack } from './multi-square-stack';

/** Builds the app: the stack, and cdk-nag's AwsSolutions checks, which fail the synth on any finding not acknowledged. */
export function createApp(props: { outdir?: string; context?: Record<string, unknown> } = {}): App {
  const app = new App({ outdir: props.outdir, context: props.context });
  new MultiSquareStack(app, 'MultiSquare', {
    description: 'multi-square: a coordinator behind an HTTP API fans out to one squarer invocation per number',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  createApp().synth();
}
