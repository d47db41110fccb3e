/**
 * The coordinator's bundle as lib/multi-square-stack.ts builds it (`esm`: a minified ES module for
 * node24, the SDK's ES module builds first, the credential and tracer aliases of a stack without
 * tracing), or in another shape, for the bench to compare: `cjs` and `cjs-unminified` (CommonJS,
 * as the stack built it before 2026-12-07; a coordinator with a top-level await cannot be built so).
 */
import path from 'node:path';
import { build } from 'esbuild';
import { projectDirectory } from './child';

export const BUNDLE_SHAPES = ['esm', 'cjs', 'cjs-unminified'] as const;
export type BundleShape = (typeof BUNDLE_SHAPES)[number];

/**
 * Builds the bundle into `directory` and returns its file (index.js, or index.mjs for ESM).
 * `checkout`: another tree's functions/ (e.g. main's, from `git archive`), with this tree's packages.
 */
export async function buildCoordinatorBundle(directory: string, shape: BundleShape = 'esm', checkout = projectDirectory): Promise<string> {
  const functions = path.join(checkout, 'functions');
  const outfile = path.join(directory, shape === 'esm' ? 'index.mjs' : 'index.js');
  await build({
    entryPoints: [path.join(functions, 'coordinator.ts')],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: shape === 'esm' ? 'esm' : 'cjs',
    minify: shape !== 'cjs-unminified',
    sourcemap: true,
    mainFields: ['module', 'main'],
    alias: {
      '@aws-sdk/credential-provider-node': path.join(functions, 'commons', 'lambda-credentials.ts'),
      '@aws-lambda-powertools/tracer': path.join(functions, 'commons', 'tracer-disabled.ts'),
    },
    // An ES module bundle of CommonJS packages needs `require` (esbuild's documented banner).
    ...(shape === 'esm'
      ? { banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } }
      : {}),
    nodePaths: [path.join(projectDirectory, 'node_modules')],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}
