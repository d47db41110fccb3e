/**
 * Lines Lambda itself writes to a function's log stream, besides START/END/REPORT.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
 */
import { createHash } from 'node:crypto';
import type { FunctionDefinition } from '../core/types';

/**
 * `INIT_START Runtime Version: nodejs:24.v21	Runtime Version ARN: arn:aws:lambda:...::runtime:<64 hex>`,
 * the first line of a cold start. The local version is the Node.js binary's; the ARN's digest is
 * made from it (AWS's identifies a runtime build this machine does not have).
 */
export function initStartLine(definition: FunctionDefinition, region: string): string {
  const { version, arn } = runtimeVersionOf(definition, region);
  return `INIT_START Runtime Version: ${version}\tRuntime Version ARN: ${arn}`;
}

/** The runtime version and its ARN, as INIT_START and `platform.initStart` name them. */
export function runtimeVersionOf(definition: FunctionDefinition, region: string): { readonly version: string; readonly arn: string } {
  const major = /^nodejs(\d+)/.exec(definition.runtime)?.[1] ?? '24';
  const version = `nodejs:${major}.local`;
  const digest = createHash('sha256').update(version).digest('hex');
  return { version, arn: `arn:aws:lambda:${region}::runtime:${digest}` };
}
