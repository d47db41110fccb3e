/**
 * The environment a function's process starts with: Lambda's variables for a Node.js function,
 * with this machine's folders standing for /var/lang, /var/runtime and /var/task, and nothing of
 * the host's own environment.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaEnvironmentVariables } from '../../../lambda/environment-variables';
import { RUNTIME_DIRECTORY } from '../../../lambda/runtime/runtime-process';
import { testFunction } from '../../support/function-definition';

const taskRoot = '/stage/1-squarer';
const environmentOf = (environment: Record<string, string> = {}) =>
  lambdaEnvironmentVariables({
    definition: testFunction('Squarer', taskRoot, { environment }),
    region: 'eu-west-1',
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    nodeBinary: '/opt/node-24/bin/node',
    runtimeModuleDirectories: ['/runtime-modules'],
  });

const hostExtraCa = process.env.NODE_EXTRA_CA_CERTS;
afterEach(() => {
  if (hostExtraCa === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
  else process.env.NODE_EXTRA_CA_CERTS = hostExtraCa;
});

describe('lambdaEnvironmentVariables', () => {
  it('gives Lambda’s PATH and LD_LIBRARY_PATH, the Node.js installation for /var/lang, the runtime for /var/runtime, the code for /var/task', () => {
    const environment = environmentOf();

    expect(environment.PATH).toBe('/opt/node-24/bin:/usr/local/bin:/usr/bin/:/bin');
    expect(environment.LD_LIBRARY_PATH).toBe(
      `/opt/node-24/lib:/lib64:/usr/lib64:${RUNTIME_DIRECTORY}:${RUNTIME_DIRECTORY}/lib:${taskRoot}:${taskRoot}/lib`,
    );
  });

  it('lets nothing of the host’s environment in: no NODE_EXTRA_CA_CERTS, no host PATH', () => {
    process.env.NODE_EXTRA_CA_CERTS = '/etc/ssl/host-bundle.pem';
    const environment = environmentOf();

    expect(environment.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(environment.PATH?.split(':')).not.toContain('/usr/sbin');
    const lambdaDefined = new Set([
      ...['PATH', 'LD_LIBRARY_PATH', 'LANG', 'NODE_PATH', 'TZ', '_HANDLER', 'AWS_EXECUTION_ENV', 'AWS_REGION', 'AWS_DEFAULT_REGION'],
      ...['AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_INITIALIZATION_TYPE'],
      ...['AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR'],
      ...['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_XRAY_CONTEXT_MISSING', 'AWS_XRAY_DAEMON_ADDRESS', 'AWS_LAMBDA_LOG_FORMAT'],
    ]);
    expect(Object.keys(environment).filter((name) => !lambdaDefined.has(name))).toEqual([]);
  });

  it('sets the X-Ray variables Lambda sets', () => {
    expect(environmentOf()).toMatchObject({ AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR', AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000' });
  });

  it('lets the function change what Lambda lets it change, never a reserved key', () => {
    const environment = environmentOf({
      PATH: '/mine',
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      AWS_REGION: 'us-west-2',
      TZ: 'CET',
    });

    expect(environment).toMatchObject({
      PATH: '/mine',
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      AWS_REGION: 'eu-west-1',
      TZ: ':UTC',
    });
  });
});
