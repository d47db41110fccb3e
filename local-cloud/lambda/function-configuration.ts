/**
 * What the read-only operations answer about a function: GetFunctionConfiguration's
 * FunctionConfiguration (realistic, with a digest of the code standing in for the zip's),
 * GetFunction, and ListFunctions' pages.
 * https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FunctionDefinition } from '../core/types';
import { loggingConfigResponse } from './logging-config';

/** ListFunctions with Marker/MaxItems paging, as the CLI's paginator expects. */
export function listFunctionsPage(
  functions: readonly FunctionDefinition[],
  accountId: string,
  parameters: URLSearchParams,
): Record<string, unknown> {
  const maxItems = Math.min(50, Math.max(1, Number(parameters.get('MaxItems') ?? 50) || 50));
  const start = Number(parameters.get('Marker') ?? 0) || 0;
  const page = functions.slice(start, start + maxItems);
  return {
    Functions: page.map((definition) => functionConfiguration(definition, accountId)),
    ...(start + maxItems < functions.length ? { NextMarker: String(start + maxItems) } : {}),
  };
}

/** https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_ResponseSyntax */
export function getFunctionResponse(definition: FunctionDefinition, accountId: string): Record<string, unknown> {
  return {
    Configuration: functionConfiguration(definition, accountId),
    Code: { RepositoryType: 'S3', Location: `file://${definition.codeDirectory}` },
    ...(definition.reservedConcurrency === undefined
      ? {}
      : { Concurrency: { ReservedConcurrentExecutions: definition.reservedConcurrency } }),
  };
}

const codeDigests = new Map<string, { readonly size: number; readonly sha256: string }>();

/** Size and a SHA-256 of the asset directory's files, standing in for the uploaded zip's. */
function codeDigest(directory: string): { readonly size: number; readonly sha256: string } {
  const cached = codeDigests.get(directory);
  if (cached !== undefined) return cached;
  const hash = createHash('sha256');
  let size = 0;
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        size += statSync(full).size;
        hash.update(path.relative(directory, full)).update(readFileSync(full));
      }
    }
  };
  try {
    walk(directory);
  } catch {
    // A missing asset directory still lists; invoking it reports the error.
  }
  const digest = { size, sha256: hash.digest('base64') };
  codeDigests.set(directory, digest);
  return digest;
}

/** A UUID-shaped revision that changes when the code does. */
function revisionId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A realistic FunctionConfiguration. https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html */
export function functionConfiguration(definition: FunctionDefinition, accountId: string): Record<string, unknown> {
  const digest = codeDigest(definition.codeDirectory);
  return {
    FunctionName: definition.name,
    FunctionArn: definition.arn,
    Runtime: definition.runtime,
    Role: `arn:aws:iam::${accountId}:role/${definition.stackName}-${definition.logicalId}-ServiceRole`,
    Handler: definition.handler,
    CodeSize: digest.size,
    Description: '',
    Timeout: definition.timeoutSeconds,
    MemorySize: definition.memorySizeMb,
    LastModified: '1970-01-01T00:00:00.000+0000',
    CodeSha256: digest.sha256,
    Version: '$LATEST',
    Environment: { Variables: definition.environment },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: revisionId(`${definition.arn}:${digest.sha256}`),
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: [definition.architecture],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: loggingConfigResponse(definition.loggingConfig, definition.logGroupName),
  };
}
