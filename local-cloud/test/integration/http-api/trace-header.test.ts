/**
 * The HTTP API's `X-Amzn-Trace-Id` reaches the function as Lambda's runtime gives it: in
 * `_X_AMZN_TRACE_ID` and `context.xRayTraceId`. A real HTTP API in front of the real Lambda
 * service, so the header crosses every layer between them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHttpApi, startHttpApi } from '../../../http-api/http-api-server';
import { type InvokeApi, startInvokeApi } from '../../../lambda/invoke-api';
import { testFunction } from '../../support/function-definition';
import { jsonObject, sendRequest } from '../../support/http-api-client';

const codeDirectory = mkdtempSync(path.join(os.tmpdir(), 'trace-header-'));
const credentials = { accessKeyId: 'AKIDTRACEHEADER', secretAccessKey: 'trace-header-secret' };
const TRACE_HANDLER = `exports.handler = async (event, context) => ({
  statusCode: 200,
  body: JSON.stringify({
    environment: process.env._X_AMZN_TRACE_ID,
    context: context.xRayTraceId,
    eventHeader: event.headers['x-amzn-trace-id'],
  }),
});
`;

let lambda: InvokeApi;
let httpApi: RunningHttpApi;

beforeAll(async () => {
  writeFileSync(path.join(codeDirectory, 'index.js'), TRACE_HANDLER);
  lambda = await startInvokeApi({ functions: [testFunction('Test-Trace', codeDirectory)], logSink: () => undefined });
  httpApi = await startHttpApi({
    api: {
      logicalId: 'HttpApi',
      stackName: 'Test',
      name: 'Test-HttpApi',
      apiId: 'trace12345',
      stageName: '$default',
      routes: [
        {
          routeKey: 'GET /trace',
          authorizationType: 'NONE',
          integration: { functionName: 'Test-Trace', payloadFormatVersion: '2.0', timeoutMs: 30_000 },
        },
      ],
    },
    invoker: lambda.service,
    credentials,
    region: 'us-east-1',
  });
}, 60_000);

afterAll(async () => {
  await httpApi?.close();
  await lambda?.close();
  rmSync(codeDirectory, { recursive: true, force: true });
});

describe("the HTTP API's trace header", () => {
  it("reaches the function's _X_AMZN_TRACE_ID and context.xRayTraceId as the caller sent it", async () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

    const response = await sendRequest(`${httpApi.url}/trace`, { headers: { 'x-amzn-trace-id': header } });

    expect(response.status).toBe(200);
    expect(jsonObject(response.text)).toEqual({ environment: header, context: header, eventHeader: header });
  });

  it('without one from the caller, is the one the gateway put in the event', async () => {
    const response = await sendRequest(`${httpApi.url}/trace`);

    const seen = jsonObject(response.text);
    expect(seen.eventHeader).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(seen.environment).toBe(seen.eventHeader);
    expect(seen.context).toBe(seen.eventHeader);
  });
});
