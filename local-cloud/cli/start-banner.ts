/**
 * What `npm start` prints once the stack is up: the endpoints, the functions, the limits in force,
 * the credentials, and example calls made from the served app itself (its first route and its
 * first function), whatever app that is.
 */
import path from 'node:path';
import type { RouteDefinition } from '../core/types';
import type { RunningLocalStack } from '../stack/local-stack';
import { functionSummary } from './function-summary';

export interface BannerFacts {
  readonly readyMs: number;
  readonly invokeAuthentication: 'sigv4' | 'none' | undefined;
  /** The functions whose lines alone the console shows; undefined: all. */
  readonly shownFunctions: ReadonlySet<string> | undefined;
}

/** A request the route answers: its method (GET for ANY and `$default`) and its path with each `{parameter}` filled by its name. */
export function exampleRequest(route: RouteDefinition): { readonly method: string; readonly path: string; readonly hasBody: boolean } {
  if (route.routeKey === '$default') return { method: 'GET', path: '/', hasBody: false };
  const [verb = 'GET', pattern = '/'] = route.routeKey.split(' ');
  const method = verb === 'ANY' ? 'GET' : verb;
  return { method, path: pattern.replace(/\{([^}+]+)\+?\}/g, '$1'), hasBody: !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method) };
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

/** The durable service's line: where executions are kept, and how many a restart resumed. */
function describeDurable(stack: RunningLocalStack): string {
  const durable = stack.assembly.functions.filter((definition) => definition.durableConfig !== undefined);
  if (durable.length === 0 || stack.durable === undefined) return '';
  const file = stack.durable.store.file;
  return `  Durable      ${durable.length} durable function${durable.length === 1 ? '' : 's'}; executions kept in ${path.relative(process.cwd(), file) || file} (${stack.durable.resumed} resumed from the last run)\n`;
}

function exampleCurl(stack: RunningLocalStack, fromEnvironment: boolean): string {
  const route = stack.assembly.httpApis[0]?.routes[0];
  if (stack.httpApi === undefined || route === undefined) return '  (no HTTP API: invoke the functions directly)';
  const { method, path: routePath, hasBody } = exampleRequest(route);
  const { accessKeyId, secretAccessKey } = stack.credentials;
  const user = fromEnvironment ? '$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY' : `${accessKeyId}:${secretAccessKey}`;
  return [
    `curl -sS -X ${method} "${stack.httpApiUrl}${routePath}"`,
    ...(route.authorizationType === 'AWS_IAM' ? [`  --aws-sigv4 "aws:amz:${stack.region}:execute-api" --user "${user}"`] : []),
    ...(hasBody ? [`  -H 'content-type: application/json' -d '{}'`] : []),
  ].join(' \\\n');
}

/**
 * The AWS CLI line that invokes `functionName`, as v1 and v2 both run it: the payload read raw
 * from stdin with `fileb://`, which neither CLI decodes (v2 takes `--payload '{}'` as base64, and
 * v1 has no `--cli-binary-format` to say otherwise), and the region as a flag (v1 reads
 * `AWS_DEFAULT_REGION`, never `AWS_REGION`). The keys are printed only when they are the local ones.
 */
export function awsCliInvokeExample(
  stack: Pick<RunningLocalStack, 'credentials' | 'credentialsSource' | 'lambdaUrl' | 'region'>,
  functionName: string,
  payload = '{}',
): string {
  const { accessKeyId, secretAccessKey } = stack.credentials;
  const keys =
    stack.credentialsSource === 'environment' ? '' : ` AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey}`;
  return [
    `  echo '${payload}' |${keys} \\`,
    `  aws lambda invoke --endpoint-url ${stack.lambdaUrl} --region ${stack.region} \\`,
    `    --function-name ${functionName} --payload fileb:///dev/stdin /dev/stdout`,
  ].join('\n');
}

export function startBanner(stack: RunningLocalStack, facts: BannerFacts): string {
  const service = stack.invokeApi.service;
  const { accessKeyId, secretAccessKey } = stack.credentials;
  const fromEnvironment = stack.credentialsSource === 'environment';
  const firstFunction = stack.assembly.functions[0]?.name ?? 'my-function';
  const debugging =
    stack.inspectedFunction === undefined
      ? ''
      : `  Debugging    ${stack.inspectedFunction}: ${stack.inspectPort === undefined ? "each environment's debugger on a free port of 127.0.0.1" : `its first environment's debugger on 127.0.0.1:${stack.inspectPort}, the others' on free ports`},\n               each printed as the environment starts; attach with chrome://inspect or your editor. Its timeout waits while one is attached.\n\n`;
  const shown = facts.shownFunctions === undefined ? undefined : [...facts.shownFunctions];
  const logs =
    shown === undefined
      ? ''
      : `  Logs         ${shown.length === 0 ? 'no function' : `only ${shown.join(', ')}`} on the console; every function in .local-cloud/logs/\n\n`;
  return `
Local cloud ready in ${facts.readyMs} ms.

${describeHttpApis(stack)}
  Lambda API   ${stack.lambdaUrl}  (${facts.invokeAuthentication === 'none' ? 'unsigned requests accepted: --no-invoke-auth' : 'SigV4-signed requests only, same credentials'})
${stack.assembly.functions.map((f) => `               ${functionSummary(f)}`).join('\n')}
${describeDurable(stack)}  Environments up to ${service.maxEnvironments} at once (local resource budget, --max-environments), ${service.maxConcurrentInits === undefined ? 'starts at once paced by their measured time (--max-concurrent-inits)' : `${service.maxConcurrentInits} starting at once`}; account concurrency ${service.concurrencyLimit}; Event queue up to ${Math.round(service.maxQueuedEventBytes / 1_048_576)} MB (--max-queued-event-mb)

  Credentials  ${fromEnvironment ? `AWS_ACCESS_KEY_ID from your environment (${accessKeyId})` : `access key ${accessKeyId}, secret ${secretAccessKey} (local only)`}
               region ${stack.region}

Try:
${exampleCurl(stack, fromEnvironment)}

${awsCliInvokeExample(stack, firstFunction)}

${debugging}${logs}Ctrl-C stops it.
`;
}
