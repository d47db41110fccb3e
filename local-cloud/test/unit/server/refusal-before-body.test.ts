/**
 * The HTTP API refuses an upload it could never serve before reading its body: an unsigned one to
 * an IAM route (403), one to a route it does not have (404). The client here announces 5 MB and
 * sends none of it, so only an answer given before the body can arrive.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHttpApi, startHttpApi } from '../../../http-api/http-api-server';
import { api, iamRoute } from '../../support/http-api-definition';
import { createInProcessInvoker } from '../../support/http-api-in-process-invoker';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const invoker = createInProcessInvoker({ square: async () => ({ statusCode: 200, body: '{}' }) });

let server: RunningHttpApi;
beforeAll(async () => {
  server = await startHttpApi({ api: api([iamRoute('POST /square', 'square')]), invoker, credentials, region: 'us-east-1', port: 0 });
});
afterAll(() => server.close());

/** Sends the headers of a 5 MB upload and nothing of its body: the status, or 'still-open' after 3 s. */
function announcedUpload(url: string): Promise<number | 'still-open'> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '5000000' },
      agent: false,
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      resolve('still-open');
    }, 3000);
    outgoing.on('response', (response) => {
      clearTimeout(timer);
      response.resume();
      outgoing.destroy();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.flushHeaders();
  });
}

describe('an upload the HTTP API could never serve', () => {
  it('is answered 403 before its body when unsigned, and reaches no function', async () => {
    expect(await announcedUpload(`${server.url}/square`)).toBe(403);
    expect(invoker.events.size).toBe(0);
  });

  it('is answered 404 before its body when no route matches', async () => {
    expect(await announcedUpload(`${server.url}/nowhere`)).toBe(404);
  });
});
