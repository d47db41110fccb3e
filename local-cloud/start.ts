/**
 * `npm start`: synthesize the CDK app if its sources changed, then serve it locally: the HTTP API
 * on 127.0.0.1:3000 and the Lambda Invoke API on 127.0.0.1:3001 (flags change both), until Ctrl-C.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LAMBDA_FLAGS_USAGE, lambdaFlagOptions, parseLambdaFlags } from './lambda-flags';
import { watchProcessLifecycle } from './lifecycle';
import { LOCAL_CREDENTIALS, startLocalStack, type LocalStackOptions } from './local-stack';
import { SAFETY_FLAGS, SAFETY_USAGE, safetyOptionsFrom } from './safety-options';

const USAGE = `Usage: npm start -- [options]

Serves the CDK app of this folder locally, from the assets \`cdk deploy\` would upload.

Options:
  --port <n>                HTTP API port (default 3000)
  --lambda-port <n>         Lambda Invoke API port (default 3001)
  --host <address>          address to listen on (default 127.0.0.1)
${LAMBDA_FLAGS_USAGE}
  --example-body <json>     request body for the printed curl example
  --example-function <s>    the function (a part of its name) for the printed \`aws lambda invoke\` example
  --example-payload <json>  its payload (default {})
${SAFETY_USAGE}
  -h, --help                this text

SIGINT, SIGTERM and SIGHUP stop the stack, as does the exit of the process that started it.`;

function numberOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

async function main(): Promise<void> {
  const lifecycle = watchProcessLifecycle((line) => process.stderr.write(line));
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'lambda-port': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      ...lambdaFlagOptions,
      'example-body': { type: 'string' },
      'example-function': { type: 'string' },
      'example-payload': { type: 'string', default: '{}' },
      help: { type: 'boolean', short: 'h', default: false },
      ...SAFETY_FLAGS,
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options: LocalStackOptions = {
    ...safetyOptionsFrom(values),
    projectDirectory: path.resolve(import.meta.dirname, '..'),
    host: values.host,
    httpPort: numberOption('port', values.port, 0, 65_535) ?? 3000,
    lambdaPort: numberOption('lambda-port', values['lambda-port'], 0, 65_535) ?? 3001,
    ...parseLambdaFlags(values),
    accessLog: (line) => process.stderr.write(`[access] ${line}\n`),
    onSynthesized: (synthesized) =>
      process.stderr.write(synthesized ? 'Synthesized the app into cdk.out.\n' : 'cdk.out is up to date with the sources.\n'),
  };
  const startedAt = performance.now();
  const stack = await startLocalStack(options);
  const readyMs = Math.round(performance.now() - startedAt);

  const route = stack.assembly.httpApis[0]?.routes[0];
  const [method = 'GET', routePath = '/'] = route?.routeKey === '$default' ? ['GET', '/'] : (route?.routeKey.split(' ') ?? []);
  const iam = route?.authorizationType === 'AWS_IAM';
  const { accessKeyId, secretAccessKey } = stack.credentials;
  const fromEnvironment = accessKeyId !== LOCAL_CREDENTIALS.accessKeyId;
  const body = values['example-body'];
  const hint = values['example-function'];
  const exampleFunction =
    stack.assembly.functions.find((f) => hint !== undefined && f.name.includes(hint)) ?? stack.assembly.functions[0];
  const curl = [
    `curl -sS -X ${method} "${stack.httpApiUrl}${routePath}"`,
    ...(iam ? [`  --aws-sigv4 "aws:amz:${stack.region}:execute-api" --user "${fromEnvironment ? '$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY' : `${accessKeyId}:${secretAccessKey}`}"`] : []),
    ...(body === undefined ? [] : [`  -H 'content-type: application/json' -d '${body}'`]),
  ].join(' \\\n');
  process.stdout.write(`
Local cloud ready in ${readyMs} ms.

  HTTP API     ${stack.httpApiUrl}
${stack.assembly.httpApis[0]?.routes.map((r) => `               ${r.routeKey}  (${r.authorizationType === 'AWS_IAM' ? 'IAM: SigV4-signed requests only' : r.authorizationType})`).join('\n') ?? ''}
  Lambda API   ${stack.lambdaUrl}  (${options.invokeAuthentication === 'none' ? 'unsigned requests accepted: --no-invoke-auth' : 'SigV4-signed requests only, same credentials'})
${stack.assembly.functions.map((f) => `               ${f.name}  (${f.runtime}, ${f.memorySizeMb} MB, ${f.timeoutSeconds} s)`).join('\n')}
  Environments up to ${stack.invokeApi.service.maxEnvironments} at once (local resource budget, --max-environments), ${stack.invokeApi.service.maxConcurrentInits} starting at once; account concurrency ${stack.invokeApi.service.concurrencyLimit}

  Credentials  ${fromEnvironment ? `AWS_ACCESS_KEY_ID from your environment (${accessKeyId})` : `access key ${accessKeyId}, secret ${secretAccessKey} (local only)`}
               region ${stack.region}

Try:
${curl}

  ${fromEnvironment ? '' : `AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} `}AWS_REGION=${stack.region} \\
  aws lambda invoke --endpoint-url ${stack.lambdaUrl} --function-name ${exampleFunction?.name ?? 'my-function'} \\
    --cli-binary-format raw-in-base64-out --payload '${values['example-payload']}' /dev/stdout

Ctrl-C stops it.
`);
  lifecycle.onStop(() => stack.close());
}

main().catch((error: unknown) => {
  const inUse = error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    inUse
      ? `${message}\nIs another \`npm start\` running? Stop it, or choose other ports: npm start -- --port 4000 --lambda-port 4001\n`
      : `${message}\n`,
  );
  process.exitCode = 1;
});
