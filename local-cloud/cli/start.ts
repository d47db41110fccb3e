/**
 * `npm start`: synthesize the CDK app if its sources changed, then serve it locally: the HTTP API
 * on 127.0.0.1:3000 and the Lambda Invoke API on 127.0.0.1:3001 (flags change both), until Ctrl-C.
 */

import path from 'node:path';
import { parseArgs } from 'node:util';
import { selectFunction } from '../assembly/function-selector';
import { watchSources } from '../assembly/watch-sources';
import { batchedLineWriter, createFunctionLogSink } from '../stack/function-logs';
import { LOCAL_CREDENTIALS, type LocalStackOptions, type RunningLocalStack, startLocalStack } from '../stack/local-stack';
import { DEV_LOOP_PARSE_OPTIONS, DEV_LOOP_USAGE, devLoopSettings } from './dev-loop-options';
import { functionSummary } from './function-summary';
import { LAMBDA_FLAGS_USAGE, lambdaFlagOptions, parseLambdaFlags } from './lambda-flags';
import { watchProcessLifecycle } from './lifecycle';
import { optionalNumberFlag } from './number-flag';
import { SAFETY_FLAGS, SAFETY_USAGE, safetyOptionsFrom } from './safety-options';

const USAGE = `Usage: npm start -- [options]

Serves the CDK app of this folder locally, from the assets \`cdk deploy\` would upload: synthesized
with the CDK CLI into .local-cloud/cdk.out (never the cdk.out of \`cdk synth\`) when its sources,
cdk.json, cdk.context.json, ~/.cdk.json or -c changed.

Options:
  --port <n>                HTTP API port (default 3000)
  --lambda-port <n>         Lambda Invoke API port (default 3001)
  --host <address>          address to listen on (default 127.0.0.1)
${LAMBDA_FLAGS_USAGE}
  --example-body <json>     request body for the printed curl example
  --example-function <s>    the function (a part of its name) for the printed \`aws lambda invoke\` example
  --example-payload <json>  its payload (default {})
${SAFETY_USAGE}
${DEV_LOOP_USAGE}
  -h, --help                this text

SIGINT, SIGTERM and SIGHUP stop the stack, as does the exit of the process that started it.`;

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
      ...DEV_LOOP_PARSE_OPTIONS,
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // The app of the folder npm runs its scripts in (the one with package.json and cdk.json), or --app's.
  const settings = devLoopSettings(values, process.cwd());
  const stderrLines = batchedLineWriter(process.stderr);
  // Filled once the assembly is loaded and the names can be resolved; nothing is logged before.
  const shownFunctions = settings.logs === undefined ? undefined : new Set<string>();
  const functionLogs = createFunctionLogSink({
    directory: path.join(settings.projectDirectory, '.local-cloud', 'logs'),
    console: stderrLines,
    ...(shownFunctions === undefined ? {} : { only: shownFunctions }),
  });
  const options: LocalStackOptions = {
    ...safetyOptionsFrom(values),
    projectDirectory: settings.projectDirectory,
    ...(settings.cdkOut === undefined ? {} : { cdkOut: settings.cdkOut }),
    ...(settings.context === undefined ? {} : { context: settings.context }),
    ...(settings.envVars === undefined ? {} : { envVars: settings.envVars }),
    ...(settings.inspect === undefined ? {} : { inspect: settings.inspect }),
    logSink: functionLogs.write,
    host: values.host,
    httpPort: optionalNumberFlag('port', values.port, 0, 65_535, true) ?? 3000,
    lambdaPort: optionalNumberFlag('lambda-port', values['lambda-port'], 0, 65_535, true) ?? 3001,
    ...parseLambdaFlags(values),
    ...(shownFunctions === undefined ? { accessLog: (line: string) => stderrLines(`[access] ${line}`) } : {}),
    onSynthesized: (synthesized) =>
      process.stderr.write(
        synthesized
          ? 'Synthesized the app into .local-cloud/cdk.out.\n'
          : '.local-cloud/cdk.out is up to date with the sources and context.\n',
      ),
  };
  const startedAt = performance.now();
  const stack = await startLocalStack(options);
  const readyMs = Math.round(performance.now() - startedAt);
  try {
    for (const query of settings.logs ?? []) shownFunctions?.add(selectFunction(stack.assembly.functions, query).name);
  } catch (error) {
    await stack.close();
    throw error;
  }

  const route = stack.assembly.httpApis[0]?.routes[0];
  const [method = 'GET', routePath = '/'] = route?.routeKey === '$default' ? ['GET', '/'] : (route?.routeKey.split(' ') ?? []);
  const iam = route?.authorizationType === 'AWS_IAM';
  const { accessKeyId, secretAccessKey } = stack.credentials;
  const fromEnvironment = accessKeyId !== LOCAL_CREDENTIALS.accessKeyId;
  const body = values['example-body'];
  const hint = values['example-function'];
  const exampleFunction = stack.assembly.functions.find((f) => hint !== undefined && f.name.includes(hint)) ?? stack.assembly.functions[0];
  const curl = [
    `curl -sS -X ${method} "${stack.httpApiUrl}${routePath}"`,
    ...(iam
      ? [
          `  --aws-sigv4 "aws:amz:${stack.region}:execute-api" --user "${fromEnvironment ? '$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY' : `${accessKeyId}:${secretAccessKey}`}"`,
        ]
      : []),
    ...(body === undefined ? [] : [`  -H 'content-type: application/json' -d '${body}'`]),
  ].join(' \\\n');
  process.stdout.write(`
Local cloud ready in ${readyMs} ms.

${describeHttpApis(stack)}
  Lambda API   ${stack.lambdaUrl}  (${options.invokeAuthentication === 'none' ? 'unsigned requests accepted: --no-invoke-auth' : 'SigV4-signed requests only, same credentials'})
${stack.assembly.functions.map((f) => `               ${functionSummary(f)}`).join('\n')}
${describeDurable(stack)}  Environments up to ${stack.invokeApi.service.maxEnvironments} at once (local resource budget, --max-environments), ${stack.invokeApi.service.maxConcurrentInits} starting at once; account concurrency ${stack.invokeApi.service.concurrencyLimit}; Event queue up to ${Math.round(stack.invokeApi.service.maxQueuedEventBytes / 1_048_576)} MB (--max-queued-event-mb)

  Credentials  ${fromEnvironment ? `AWS_ACCESS_KEY_ID from your environment (${accessKeyId})` : `access key ${accessKeyId}, secret ${secretAccessKey} (local only)`}
               region ${stack.region}

Try:
${stack.httpApi === undefined ? '  (no HTTP API: invoke the functions directly)' : curl}

  ${fromEnvironment ? '' : `AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} `}AWS_REGION=${stack.region} \\
  aws lambda invoke --endpoint-url ${stack.lambdaUrl} --function-name ${exampleFunction?.name ?? 'my-function'} \\
    --cli-binary-format raw-in-base64-out --payload '${values['example-payload']}' /dev/stdout

${settings.inspect === undefined ? '' : `  Debugging    ${stack.inspectedFunction}: each environment prints "Debugger listening on ws://..." (its port) in its log\n               when it starts; attach with chrome://inspect or your editor. Its timeout waits while one is attached.\n\n`}${settings.logs === undefined ? '' : `  Logs         only ${[...(shownFunctions ?? [])].join(', ')} on the console; every function in .local-cloud/logs/\n\n`}Ctrl-C stops it.
`);
  const watcher = settings.watch ? startWatching(settings.projectDirectory, stack) : undefined;
  lifecycle.onStop(async () => {
    watcher?.close();
    await stack.close();
    await functionLogs.close();
  });
}

/** The durable service's line: where executions are kept, and how many a restart resumed. */
function describeDurable(stack: RunningLocalStack): string {
  const durable = stack.assembly.functions.filter((definition) => definition.durableConfig !== undefined);
  if (durable.length === 0 || stack.durable === undefined) return '';
  return `  Durable      ${durable.length} durable function${durable.length === 1 ? '' : 's'}; executions kept in ${path.relative(process.cwd(), stack.durable.store.file) || stack.durable.store.file} (${stack.durable.resumed} resumed from the last run)\n`;
}

function describeHttpApis(stack: RunningLocalStack): string {
  if (stack.httpApis.length === 0) return '  HTTP API     none in this assembly: the Invoke API alone is served';
  return stack.httpApis
    .map(({ definition, server }) =>
      [
        `  HTTP API     ${server.url}${stack.httpApis.length > 1 ? `  (${definition.name})` : ''}`,
        ...definition.routes.map(
          (r) =>
            `               ${r.routeKey}  (${r.authorizationType === 'AWS_IAM' ? 'IAM: SigV4-signed requests only' : r.authorizationType})`,
        ),
      ].join('\n'),
    )
    .join('\n');
}

/** `--watch`: one line per reload naming what changed; a failed synthesis keeps the old code serving. */
function startWatching(projectDirectory: string, stack: RunningLocalStack) {
  const watcher = watchSources({
    projectDirectory,
    onChange: async (files) => {
      process.stderr.write(`[watch] ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''} changed\n`);
      try {
        const { replaced, needsRestart, how, reason, durationMs } = await stack.reload(files);
        const took = `${how === 'rebundled' ? 'rebundled only the function code' : `synthesized the app (${reason ?? 'sources changed'})`} in ${(durationMs / 1000).toFixed(2)} s`;
        process.stderr.write(
          `[watch] ${replaced.length === 0 ? 'no function changed' : `replaced ${replaced.join(', ')}: new invocations run the new code`}` +
            `; ${took}${needsRestart.length === 0 ? '' : `; restart to apply: ${needsRestart.join('; ')}`}\n`,
        );
      } catch (error) {
        process.stderr.write(
          `[watch] synthesis failed; still serving the previous code:\n${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
    },
  });
  void watcher.ready.then(() =>
    process.stderr.write(
      watcher.watched.length === 0
        ? "[watch] watching nothing: cdk.json's watch.include names no file or folder that exists, so no edit will be seen\n"
        : `[watch] watching ${watcher.watched.join(', ')} for changes\n`,
    ),
  );
  return watcher;
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
