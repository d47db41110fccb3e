/**
 * Synthesizes a CDK app into a cloud assembly with the CDK CLI itself (`cdk synth --output DIR`),
 * so the local cloud runs exactly what `cdk deploy` would upload: the CLI reads `cdk.json`,
 * `cdk.context.json`, `~/.cdk.json` and `-c key=value` as it always does, and asks the app for
 * asset metadata. The local stack synthesizes into its own folder (`.local-cloud/cdk.out`), so a
 * `cdk synth` in the project never changes what it serves.
 * https://docs.aws.amazon.com/cdk/v2/guide/apps.html#apps_cloud_assembly
 * https://docs.aws.amazon.com/cdk/v2/guide/context.html#context_construct
 *
 * Why the CLI and not `@aws-cdk/toolkit-lib`: both cost about the same to start (1.3–3 s on this
 * machine under load, see README), the CLI is already a dependency of every CDK project, and the
 * toolkit library adds 136 MB of dependencies.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { sourceHash } from './app-sources';
import { recordingEnvironment } from './function-rebuild';
import { pruneUnreferencedAssets } from './prune-assets';

/** Context values as `cdk -c key=value` passes them: the CLI hands every value to the app as a string. */
export type CommandLineContext = Readonly<Record<string, string | number | boolean>>;

export interface SynthesizeOptions {
  /** The folder with `cdk.json`. */
  readonly projectDirectory: string;
  /** @default {@link localAssemblyDirectory} of the project */
  readonly outdir?: string;
  /** Context on top of the CLI's own sources, like `cdk synth -c key=value`. */
  readonly context?: CommandLineContext;
  /** Receives the app's and the CLI's output. @default kept, and shown only if synthesis fails */
  readonly log?: (text: string) => void;
  /**
   * A folder to record the synthesis's bundles and the app's own files into, so that a later
   * edit of function code alone can be rebuilt without synthesizing (function-rebuild.ts). @default none
   */
  readonly recordBundles?: string;
}

/** Where the local cloud synthesizes a project: never `cdk.out`, which `cdk synth` owns. */
export function localAssemblyDirectory(projectDirectory: string): string {
  return path.join(projectDirectory, '.local-cloud', 'cdk.out');
}

const HASH_FILE = '.source-hash';

/** Synthesizes into `outdir` and returns it. Throws with the CLI's output if synthesis fails. */
export async function synthesize(options: SynthesizeOptions): Promise<string> {
  // Hashed before the app runs: an edit made while it runs is not taken as synthesized.
  return synthesizeWith(options, sourceHash(options.projectDirectory, options.context));
}

async function synthesizeWith(options: SynthesizeOptions, hash: string): Promise<string> {
  const { projectDirectory } = options;
  const outdir = path.resolve(options.outdir ?? localAssemblyDirectory(projectDirectory));
  const contextArguments = Object.entries(options.context ?? {}).flatMap(([key, value]) => ['--context', `${key}=${String(value)}`]);
  const command = [cdkCliOf(projectDirectory), 'synth', '--quiet', '--output', outdir, ...contextArguments];
  // An assembly half rewritten by a synthesis that fails is not the one the old hash names.
  rmSync(path.join(outdir, HASH_FILE), { force: true });
  const output: string[] = [];
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, command, {
      cwd: projectDirectory,
      // The CLI sets the app's own CDK_OUTDIR and CDK_CONTEXT_JSON; ours (from a parent synth) must not leak in.
      env: {
        ...withoutCdkAppVariables(process.env),
        ...(options.recordBundles === undefined ? {} : recordingEnvironment(options.recordBundles)),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      options.log?.(chunk.toString('utf8'));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (exitCode !== 0) {
    throw new Error(`cdk synth failed (exit ${exitCode}) in ${projectDirectory}:\n${output.join('').slice(-4000)}`);
  }
  if (!existsSync(path.join(outdir, 'manifest.json'))) {
    throw new Error(`cdk synth exited without writing a cloud assembly to ${outdir}:\n${output.join('').slice(-4000)}`);
  }
  writeFileSync(path.join(outdir, HASH_FILE), hash);
  // The bundles of earlier syntheses, which the CDK leaves beside the new ones.
  pruneUnreferencedAssets(outdir);
  return outdir;
}

/** Synthesizes only when the sources or the context changed since the assembly in `outdir` was made. */
export async function synthesizeIfChanged(options: SynthesizeOptions): Promise<{ outdir: string; synthesized: boolean }> {
  const outdir = path.resolve(options.outdir ?? localAssemblyDirectory(options.projectDirectory));
  const hashFile = path.join(outdir, HASH_FILE);
  const current = sourceHash(options.projectDirectory, options.context);
  if (existsSync(hashFile) && readFileSync(hashFile, 'utf8') === current) {
    return { outdir, synthesized: false };
  }
  return { outdir: await synthesizeWith({ ...options, outdir }, current), synthesized: true };
}

/**
 * The CLI of the project when it has one (the version its `cdk deploy` would use), else the local
 * cloud's own.
 */
function cdkCliOf(projectDirectory: string): string {
  for (const base of [path.join(projectDirectory, 'package.json'), import.meta.url]) {
    try {
      return createRequire(base).resolve('aws-cdk/bin/cdk');
    } catch {
      // Not installed there: try the next.
    }
  }
  throw new Error('The AWS CDK CLI (npm package aws-cdk) is not installed: npm install --save-dev aws-cdk');
}

function withoutCdkAppVariables(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CDK_OUTDIR: _outdir, CDK_CONTEXT_JSON: _context, ...rest } = environment;
  return rest;
}
