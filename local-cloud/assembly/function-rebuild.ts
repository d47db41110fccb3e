/**
 * Function code rebuilt without synthesizing the app again, when only function code changed:
 * the local cloud's own `cdk synth` records each esbuild command the CDK ran (bundle-recorder.cjs)
 * with the bundle's inputs, and the files the CDK app itself loaded. An edit to files that are
 * inputs of bundles, and that the app does not read, reruns just those esbuild commands, with the
 * CDK's own arguments, into a new folder; anything else (the stack's code, cdk.json, context,
 * dependencies, a file no bundle knows, a bundle with more than esbuild's output) synthesizes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { packagePath } from '../core/package-files';

/** The environment that makes a `cdk synth` record its bundles into `recordDirectory`. */
export function recordingEnvironment(recordDirectory: string): Record<string, string> {
  rmSync(recordDirectory, { recursive: true, force: true });
  mkdirSync(recordDirectory, { recursive: true });
  const recorder = packagePath('assembly', 'bundle-recorder.cjs');
  return {
    LOCAL_CLOUD_BUNDLE_RECORD: recordDirectory,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(recorder)}`.trim(),
  };
}

export interface RecordedBundle {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly extraEnvironment: Readonly<Record<string, string>>;
  /** The files esbuild read, absolute. */
  inputs: ReadonlySet<string>;
  /** The asset folder of the assembly that holds this bundle's output. */
  readonly assetDirectory: string;
  /** Where the functions built from it run their code from now (the asset, or the last rebuild). */
  codeDirectory: string;
}

export interface BundleRecord {
  readonly bundles: readonly RecordedBundle[];
  /** Project files the CDK app loaded while synthesizing. */
  readonly appFiles: ReadonlySet<string>;
}

interface ProcessRecord {
  readonly loaded: readonly string[];
  readonly bundles: readonly {
    command: string;
    args: string[];
    cwd: string;
    extraEnvironment: Record<string, string>;
    outfile: string;
    metafile: string;
    outputSha256: string;
  }[];
}

/** The record of the synthesis that made `cdkOut`, or undefined when there is none. */
export function readBundleRecord(recordDirectory: string, cdkOut: string): BundleRecord | undefined {
  if (!existsSync(recordDirectory)) return undefined;
  const records = readdirSync(recordDirectory)
    .filter((file) => file.startsWith('process-') && file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(path.join(recordDirectory, file), 'utf8')) as ProcessRecord);
  if (records.length === 0) return undefined;
  const assets = readdirSync(cdkOut)
    .filter((entry) => entry.startsWith('asset.'))
    .map((entry) => path.join(cdkOut, entry));
  // Each asset's output file digested once, however many bundles look for theirs (37 functions: 37 digests, not 37²).
  const assetsByDigest = new Map<string, Map<string | undefined, string>>();
  const assetWithOutput = (fileName: string, sha256: string) => {
    let byDigest = assetsByDigest.get(fileName);
    if (byDigest === undefined) {
      // Reversed, so that of assets with the same output the first listed wins.
      byDigest = new Map(assets.toReversed().map((directory) => [sha256Of(path.join(directory, fileName)), directory]));
      assetsByDigest.set(fileName, byDigest);
    }
    return byDigest.get(sha256);
  };
  const bundles: RecordedBundle[] = [];
  for (const recorded of records.flatMap((record) => record.bundles)) {
    if (!existsSync(recorded.metafile)) continue;
    const meta = JSON.parse(readFileSync(recorded.metafile, 'utf8')) as { inputs: object; outputs: object };
    const outputs = new Set(Object.keys(meta.outputs).map((output) => path.basename(output)));
    const asset = assetWithOutput(path.basename(recorded.outfile), recorded.outputSha256);
    // Only a folder of esbuild's output alone: a bundle with installed node_modules or command hooks synthesizes.
    if (asset === undefined || !readdirSync(asset).every((file) => outputs.has(file))) continue;
    bundles.push({
      command: recorded.command,
      args: recorded.args,
      cwd: recorded.cwd,
      extraEnvironment: recorded.extraEnvironment,
      inputs: new Set(Object.keys(meta.inputs).map((input) => path.resolve(recorded.cwd, input))),
      assetDirectory: asset,
      codeDirectory: asset,
    });
  }
  const appFiles = new Set(records.flatMap((record) => record.loaded).filter((file) => !file.split(path.sep).includes('node_modules')));
  return { bundles, appFiles };
}

function sha256Of(file: string): string | undefined {
  return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : undefined;
}

export type RebuildPlan =
  | { readonly kind: 'rebundle'; readonly bundles: readonly RecordedBundle[] }
  | { readonly kind: 'synthesize'; readonly reason: string };

/** Whether the changed files (absolute) can be served by rebundling, and which bundles. */
export function planRebuild(record: BundleRecord | undefined, changedFiles: readonly string[], projectDirectory: string): RebuildPlan {
  if (record === undefined) return { kind: 'synthesize', reason: 'no record of the last synthesis' };
  if (changedFiles.length === 0) return { kind: 'synthesize', reason: 'no file named' };
  const bundles = new Set<RecordedBundle>();
  for (const file of changedFiles) {
    const relative = path.relative(projectDirectory, file);
    if (record.appFiles.has(file)) return { kind: 'synthesize', reason: `the CDK app reads ${relative}` };
    const containing = record.bundles.filter((bundle) => bundle.inputs.has(file));
    // Gone, and read by neither the app nor a bundle: an editor's temporary file (saved, then renamed over the source).
    if (containing.length === 0 && !existsSync(file)) continue;
    if (containing.length === 0) return { kind: 'synthesize', reason: `${relative} is in no function's bundle` };
    for (const bundle of containing) bundles.add(bundle);
  }
  if (bundles.size === 0) return { kind: 'synthesize', reason: 'no changed file is in a bundle' };
  return { kind: 'rebundle', bundles: [...bundles] };
}

/** The esbuild binary a recorded `npx --no-install esbuild …` would run, without npx's start-up. */
function directCommand(bundle: RecordedBundle): { file: string; args: readonly string[] } {
  const esbuildAt = bundle.args.findIndex((argument) => /(^|\/)esbuild$/.test(argument));
  if (bundle.command === 'esbuild' || /(^|\/)esbuild$/.test(bundle.command)) return { file: bundle.command, args: bundle.args };
  try {
    const binary = createRequire(path.join(bundle.cwd, 'package.json')).resolve('esbuild/bin/esbuild');
    return { file: binary, args: bundle.args.slice(esbuildAt + 1) };
  } catch {
    return { file: bundle.command, args: bundle.args };
  }
}

/** Reruns a bundle's esbuild command into `outdir`, and learns its inputs anew (an import may have been added). */
export async function rebundle(bundle: RecordedBundle, outdir: string): Promise<void> {
  mkdirSync(outdir, { recursive: true });
  const outfileAt = bundle.args.findIndex((argument) => argument.startsWith('--outfile='));
  const outfileName = path.basename((bundle.args[outfileAt] ?? '').slice('--outfile='.length));
  const metafile = `${outdir}.meta.json`;
  const { file, args } = directCommand(bundle);
  const rewritten = args
    .filter((argument) => !argument.startsWith('--metafile='))
    .map((argument) => (argument.startsWith('--outfile=') ? `--outfile=${path.join(outdir, outfileName)}` : argument));
  try {
    await promisify(execFile)(file, [...rewritten, `--metafile=${metafile}`, '--log-level=error'], {
      cwd: bundle.cwd,
      env: { ...process.env, ...bundle.extraEnvironment },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr = '' } = error as { stderr?: string };
    throw new Error(`esbuild failed for ${path.basename(bundle.assetDirectory)}:\n${stderr.slice(-4000)}`);
  }
  const meta = JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: object };
  rmSync(metafile, { force: true });
  bundle.inputs = new Set(Object.keys(meta.inputs).map((input) => path.resolve(bundle.cwd, input)));
  bundle.codeDirectory = outdir;
}
