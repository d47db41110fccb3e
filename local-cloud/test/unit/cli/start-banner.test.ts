/**
 * The examples `npm start` prints come from the served app: a request its first route answers.
 */
import { describe, expect, it } from 'vitest';
import { exampleRequest } from '../../../cli/start-banner';
import type { RouteDefinition } from '../../../core/types';

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
