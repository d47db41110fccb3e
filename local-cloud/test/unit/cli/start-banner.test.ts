/**
 * The examples `npm start` prints come from the served app: a request its first route answers;
 * its function lines name versions, aliases and DurableConfig, and a durable app gets a Durable line.
 */

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsCliInvokeExample, exampleRequest, startBanner } from '../../../cli/start-banner';
import type { FunctionDefinition, RouteDefinition } from '../../../core/types';
import type { RunningLocalStack } from '../../../stack/local-stack';

const route = (routeKey: string): RouteDefinition => ({
  routeKey,
  authorizationType: 'NONE',
  integration: { functionName: 'App-Fn', payloadFormatVersion: '2.0', timeoutMs: 30_000 },
});

describe('the example request of a route', () => {
  it('sends a JSON body where the method takes one', () => {
    expect(exampleRequest(route('POST /square'))).toEqual({ method: 'POST', path: '/square', hasBody: true });
    expect(exampleRequest(route('GET /items'))).toEqual({ method: 'GET', path: '/items', hasBody: false });
  });

  it('fills path parameters with their names, and asks ANY and $default with GET', () => {
    expect(exampleRequest(route('ANY /items/{id}/{proxy+}'))).toEqual({ method: 'GET', path: '/items/id/proxy', hasBody: false });
    expect(exampleRequest(route('$default'))).toEqual({ method: 'GET', path: '/', hasBody: false });
  });
});

const durableFunction = {
  name: 'App-Durable',
  runtime: 'nodejs24.x',
  memorySizeMb: 256,
  timeoutSeconds: 30,
  versions: ['1'],
  aliases: { live: '1' },
  durableConfig: { executionTimeoutSeconds: 900, retentionPeriodDays: 14 },
} as unknown as FunctionDefinition;

/** A stack as the banner reads it, without starting one. */
const stackOf = (durable: RunningLocalStack['durable']) =>
  ({
    assembly: { functions: [durableFunction], httpApis: [] },
    httpApis: [],
    httpApi: undefined,
    lambdaUrl: 'http://127.0.0.1:3001',
    region: 'us-east-1',
    credentials: { accessKeyId: 'LOCAL', secretAccessKey: 'secret' },
    credentialsSource: 'local',
    inspectedFunction: undefined,
    invokeApi: { service: { maxEnvironments: 8, maxConcurrentInits: 2, concurrencyLimit: 1000, maxQueuedEventBytes: 268_435_456 } },
    durable,
  }) as unknown as RunningLocalStack;

describe('the banner of a durable app', () => {
  const facts = { readyMs: 1, invokeAuthentication: 'sigv4', shownFunctions: undefined } as const;

  it('names each function’s versions, aliases and DurableConfig, and where executions are kept', () => {
    const file = path.join(process.cwd(), '.local-cloud', 'durable', 'executions.sqlite');
    const banner = startBanner(stackOf({ store: { file }, resumed: 2 } as unknown as RunningLocalStack['durable']), facts);
    expect(banner).toContain('App-Durable  (nodejs24.x, 256 MB, 30 s)');
    expect(banner).toContain('version 1; alias live → 1');
    expect(banner).toContain('invoke a qualified name, e.g. App-Durable:live');
    expect(banner).toContain(
      '  Durable      1 durable function; executions kept in .local-cloud/durable/executions.sqlite (2 resumed from the last run)\n  Environments up to 8',
    );
  });

  it('has no Durable line when the stack runs no durable service', () => {
    expect(startBanner(stackOf(undefined), facts)).not.toContain('\n  Durable      ');
  });
});

describe('the banner of npm start --inspect', () => {
  const facts = { readyMs: 1, invokeAuthentication: 'sigv4', shownFunctions: undefined } as const;
  const inspecting = (inspectPort: number | undefined) =>
    ({
      ...stackOf(undefined),
      inspectedFunction: 'App-Durable',
      ...(inspectPort === undefined ? {} : { inspectPort }),
    }) as RunningLocalStack;

  it('names the port the first environment listens on, when one was given', () => {
    expect(startBanner(inspecting(9229), facts)).toContain(
      "  Debugging    App-Durable: its first environment's debugger on 127.0.0.1:9229, the others' on free ports,\n               each printed as the environment starts",
    );
  });

  it('says each environment takes a free port otherwise', () => {
    expect(startBanner(inspecting(undefined), facts)).toContain("App-Durable: each environment's debugger on a free port of 127.0.0.1,");
  });
});

describe("the banner's AWS CLI line", () => {
  const facts = { readyMs: 1, invokeAuthentication: 'sigv4', shownFunctions: undefined } as const;

  it('reads the payload raw from stdin and names the region as a flag, as v1 and v2 both take them', () => {
    const banner = startBanner(stackOf(undefined), facts);
    expect(banner).toContain(
      "  echo '{}' | AWS_ACCESS_KEY_ID=LOCAL AWS_SECRET_ACCESS_KEY=secret \\\n" +
        '  aws lambda invoke --endpoint-url http://127.0.0.1:3001 --region us-east-1 \\\n' +
        '    --function-name App-Durable --payload fileb:///dev/stdin /dev/stdout\n',
    );
    // v1 has neither: "Unknown options: --cli-binary-format", and no region from AWS_REGION.
    expect(banner).not.toContain('--cli-binary-format');
    expect(banner).not.toContain('AWS_REGION=');
  });

  it("prints no keys when the stack takes the environment's", () => {
    const line = awsCliInvokeExample({ ...stackOf(undefined), credentialsSource: 'environment' }, 'App-Durable');
    expect(line.split('\n')[0]).toBe("  echo '{}' | \\");
    expect(line).not.toContain('AWS_SECRET_ACCESS_KEY');
  });
});
