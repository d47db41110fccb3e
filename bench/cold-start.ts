/**
 * Part 3: each function's bundle as `cdk synth` builds it: its size, and the time a fresh Node
 * process takes to `require` it, against the time to require an empty module.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { bundleFile, median, projectDirectory, run } from './child';

export interface BundleRow {
  readonly name: string;
  readonly logicalId: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  /** Median time of `require(index.js)`, measured in the child. */
  readonly loadMs: number;
  /** The same with `--enable-source-maps`, which the stack sets in NODE_OPTIONS. */
  readonly loadMsWithSourceMaps: number;
  readonly runs: number;
}

export interface ColdStartResult {
  readonly synthMs: number;
  readonly bundles: BundleRow[];
}

/** Measured in the child: from just before the handler's module is loaded to just after (for an ES module, its top-level await too), in ms. */
const LOAD_PROBE = `
const { performance } = require('node:perf_hooks');
const t0 = performance.now();
const file = process.argv[1];
(file.endsWith('.mjs') ? import(require('node:url').pathToFileURL(file).href) : Promise.resolve(require(file))).then(() => {
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }) + '\\n');
  process.exit(0);
});
`;

const RUNS = 9;

interface TemplateResource {
  Type?: string;
  Metadata?: Record<string, unknown>;
}

export async function measureColdStart(log: (line: string) => void): Promise<ColdStartResult> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'multi-square-bench-cdk-out-'));
  try {
    const synth = await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { timeoutMs: 180_000 });
    if (synth.code !== 0) throw new Error(`cdk synth failed: ${synth.stderr.slice(-2000)}`);
    log(`  cdk synth: ${(synth.wallMs / 1000).toFixed(1)} s`);
    const templateFile = path.join(outdir, 'MultiSquare.template.json');
    const template = JSON.parse(readFileSync(templateFile, 'utf8')) as { Resources: Record<string, TemplateResource> };
    const targets: { name: string; logicalId: string; file: string }[] = [];
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || typeof assetPath !== 'string') continue;
      // The direct path's two bundles; the jobs' functions (their own environment) are part 7's.
      const name = /^SquarerFunction/.test(logicalId) ? 'squarer' : /^CoordinatorFunction/.test(logicalId) ? 'coordinator' : undefined;
      if (name === undefined) continue;
      targets.push({ name, logicalId, file: bundleFile(path.join(outdir, assetPath)) });
    }
    // The baseline for the deployed coordinator: the same bundle (minified CJS for node24, source
    // map) with esbuild's default for Node, packages' CommonJS builds first, as lib/ had it before
    // it chose the ES modules, which esbuild can tree-shake.
    const variantDirectory = path.join(outdir, 'coordinator-main-module');
    await build({
      entryPoints: [path.join(projectDirectory, 'functions', 'coordinator.ts')],
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      minify: true,
      sourcemap: true,
      mainFields: ['main', 'module'],
      outfile: path.join(variantDirectory, 'index.mjs'),
      logLevel: 'error',
    });
    targets.push({
      name: "coordinator with esbuild's default mainFields ['main', 'module'] (baseline, not deployed)",
      logicalId: '-',
      file: path.join(variantDirectory, 'index.mjs'),
    });
    // The baseline: a module with nothing in it, outside any package.json.
    const emptyDirectory = path.join(outdir, 'empty-module');
    mkdirSync(emptyDirectory);
    writeFileSync(path.join(emptyDirectory, 'index.js'), '');
    targets.push({ name: '(empty module)', logicalId: '-', file: path.join(emptyDirectory, 'index.js') });

    const env = {
      // What the coordinator reads at load, as the stack sets it.
      SQUARER_FUNCTION_NAME: 'bench-squarer',
      MAX_NUMBERS: '1000',
      MAX_CONCURRENCY: '100',
      DEADLINE_MARGIN_MS: '1000',
      AWS_REGION: 'us-east-1',
      // INIT prepares the client (functions/coordinator.ts): towards a closed local port, never AWS.
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
      AWS_SECRET_ACCESS_KEY: 'bench-secret',
      NODE_OPTIONS: '',
    };
    const loadTimes = async (file: string, nodeArgs: string[]): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        const result = await run(process.execPath, [...nodeArgs, '-e', LOAD_PROBE, file], {
          env,
          cwd: path.dirname(file),
          timeoutMs: 30_000,
        });
        if (result.code !== 0) throw new Error(`loading ${file} failed: ${result.stderr.slice(-1000)}`);
        times.push((JSON.parse(result.stdout.trim()) as { ms: number }).ms);
      }
      return median(times);
    };
    const bundles: BundleRow[] = [];
    for (const target of targets) {
      const source = readFileSync(target.file);
      const map = `${target.file}.map`;
      const row: BundleRow = {
        name: target.name,
        logicalId: target.logicalId,
        bytes: source.byteLength,
        gzipBytes: gzipSync(source, { level: 9 }).byteLength,
        sourceMapBytes: existsSync(map) ? statSync(map).size : 0,
        loadMs: await loadTimes(target.file, []),
        loadMsWithSourceMaps: await loadTimes(target.file, ['--enable-source-maps']),
        runs: RUNS,
      };
      log(
        `  ${row.name}: ${row.bytes} B, require ${row.loadMs.toFixed(1)} ms (${row.loadMsWithSourceMaps.toFixed(1)} ms with source maps)`,
      );
      bundles.push(row);
    }
    return { synthMs: synth.wallMs, bundles };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
