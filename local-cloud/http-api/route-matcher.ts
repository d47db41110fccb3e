/**
 * Route selection as an HTTP API does it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 *
 * The documented priorities are: a full match of route and method, then a route with a greedy
 * path variable (`{proxy+}`), then `$default`. The docs do not say how two partial matches rank
 * against each other (e.g. `GET /a/{id}` against `ANY /a/b` for `GET /a/b`); we rank by path first,
 * segment by segment (literal over `{var}` over `{var+}`), then an exact method over `ANY`, which
 * agrees with the documented example table.
 */
import type { RouteDefinition } from '../core/types';

type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

interface CompiledRoute {
  readonly route: RouteDefinition;
  /** `undefined` for `$default`. */
  readonly method?: string;
  readonly segments: readonly Segment[];
}

export interface RouteMatch {
  readonly route: RouteDefinition;
  /** Decoded path variables, as API Gateway passes them ("API Gateway decodes URL-encoded request parameters"). */
  readonly pathParameters: Readonly<Record<string, string>>;
}

export const DEFAULT_ROUTE_KEY = '$default';

const VARIABLE = /^\{([A-Za-z0-9._-]+)\}$/;
const GREEDY = /^\{([A-Za-z0-9._-]+)\+\}$/;

/** Parses `METHOD /path` route keys; throws on keys API Gateway would reject at deploy time. */
function compile(route: RouteDefinition): CompiledRoute {
  if (route.routeKey === DEFAULT_ROUTE_KEY) return { route, segments: [] };
  const match = /^([A-Z]+) (\/\S*)$/.exec(route.routeKey);
  const method = match?.[1];
  const path = match?.[2];
  if (method === undefined || path === undefined) {
    throw new Error(`Route key ${JSON.stringify(route.routeKey)} is not "METHOD /path" or "$default"`);
  }
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const segments = parts.map((part, index): Segment => {
    const greedy = GREEDY.exec(part)?.[1];
    if (greedy !== undefined) {
      if (index !== parts.length - 1) {
        throw new Error(`Route key ${route.routeKey}: a greedy path variable must be at the end of the path`);
      }
      return { kind: 'greedy', name: greedy };
    }
    const variable = VARIABLE.exec(part)?.[1];
    return variable !== undefined ? { kind: 'variable', name: variable } : { kind: 'literal', value: part };
  });
  return { route, method, segments };
}

/** Lower is more specific: one rank per path segment, then the method. */
function specificity(compiled: CompiledRoute): number[] {
  const rank = { literal: 0, variable: 1, greedy: 2 } as const;
  return [...compiled.segments.map((segment) => rank[segment.kind]), compiled.method === 'ANY' ? 1 : 0];
}

function compareSpecificity(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  // A longer literal prefix before a greedy variable is the more specific one.
  return b.length - a.length;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchPath(segments: readonly Segment[], pathParts: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    if (segment.kind === 'greedy') {
      // `{proxy+}` catches all child resources: at least one segment.
      const rest = pathParts.slice(index);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      parameters[segment.name] = decode(rest.join('/'));
      return parameters;
    }
    const part = pathParts[index];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (segment.value !== part) return undefined;
    } else {
      if (part === '') return undefined;
      parameters[segment.name] = decode(part);
    }
  }
  return segments.length === pathParts.length ? parameters : undefined;
}

export interface RouteMatcher {
  /** The route for a request, or `undefined` when API Gateway would answer 404 Not Found. */
  match(method: string, path: string): RouteMatch | undefined;
}

export function createRouteMatcher(routes: readonly RouteDefinition[]): RouteMatcher {
  const compiled = routes.map(compile).sort((a, b) => compareSpecificity(specificity(a), specificity(b)));
  const defaultRoute = compiled.find((candidate) => candidate.method === undefined);
  const explicit = compiled.filter((candidate) => candidate.method !== undefined);

  return {
    match(method, path) {
      const pathParts = path === '/' ? [] : path.slice(1).split('/');
      for (const candidate of explicit) {
        if (candidate.method !== 'ANY' && candidate.method !== method) continue;
        const pathParameters = matchPath(candidate.segments, pathParts);
        if (pathParameters !== undefined) return { route: candidate.route, pathParameters };
      }
      return defaultRoute === undefined ? undefined : { route: defaultRoute.route, pathParameters: {} };
    },
  };
}
