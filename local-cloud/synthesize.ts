/**
 * Synthesizes a CDK app into a cloud assembly the way the CDK CLI does: it runs the `app` command
 * of `cdk.json` with the context of `cdk.json` in `CDK_CONTEXT_JSON` and the output directory in
 * `CDK_OUTDIR`, so the local cloud runs exactly what `cdk deploy` would upload.
 * https://docs.aws.amazon.com/cdk/v2/guide/apps.html#apps_cloud_assembly
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SynthesizeOptions {
  /** The folder with `cdk.json`. */
  readonly projectDirectory: string;
  /** @default `<projectDirectory>/cdk.out` */
  readonly outdir?: string;
  /** Context on top of `cdk.json`'s, like `cdk synth -c key=value`. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Receives the app's output. @default inherited stderr */
  readonly log?: (text: string) => void;
}

/** What the source hash covers besides `cdk.json`'s `watch.include` folders. */
const ALWAYS_HASHED = ['cdk.json', 'package-lock.json'];
const HASH_FILE = '.source-hash';

/** Synthesizes into `outdir` and returns it. Throws with the app's output if the app fails. */
export async function synthesize(options: SynthesizeOptions): Promise<string> {
  const cdkJson = readCdkJson(options.projectDirectory);
  // Hashed before the app runs: an edit made while it runs is not taken as synthesized.
  return synthesizeWith(options, cdkJson, sourceHash(options.projectDirectory, cdkJson.watchInclude, options.context));
}

async function synthesizeWith(options: SynthesizeOptions, cdkJson: CdkJson, hash: string): Promise<string> {
  const { projectDirectory } = options;
  const outdir = options.outdir ?? path.join(projectDirectory, 'cdk.out');
  const context = {
    ...cdkJson.context,
    // The CLI asks for asset metadata by default: the template then names each asset's folder.
    'aws:cdk:enable-asset-metadata': true,
    ...options.context,
  };
  const output: string[] = [];
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(cdkJson.app, {
      cwd: projectDirectory,
      shell: true,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
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
    throw new Error(`cdk app "${cdkJson.app}" failed (exit ${exitCode}):\n${output.join('').slice(-4000)}`);
  }
  if (!existsSync(path.join(outdir, 'manifest.json'))) {
    throw new Error(`cdk app "${cdkJson.app}" exited without writing a cloud assembly to ${outdir}:\n${output.join('').slice(-4000)}`);
  }
  writeFileSync(path.join(outdir, HASH_FILE), hash);
  return outdir;
}

/** Synthesizes only when the sources changed since the assembly in `outdir` was made. */
export async function synthesizeIfChanged(options: SynthesizeOptions): Promise<{ outdir: string; synthesized: boolean }> {
  const outdir = options.outdir ?? path.join(options.projectDirectory, 'cdk.out');
  const hashFile = path.join(outdir, HASH_FILE);
  const cdkJson = readCdkJson(options.projectDirectory);
  const current = sourceHash(options.projectDirectory, cdkJson.watchInclude, options.context);
  if (existsSync(hashFile) && readFileSync(hashFile, 'utf8') === current) {
    return { outdir, synthesized: false };
  }
  return { outdir: await synthesizeWith(options, cdkJson, current), synthesized: true };
}

interface CdkJson {
  readonly app: string;
  readonly context: Record<string, unknown>;
  readonly watchInclude: readonly string[];
}

function readCdkJson(projectDirectory: string): CdkJson {
  const file = path.join(projectDirectory, 'cdk.json');
  const document: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof document !== 'object' || document === null || !('app' in document) || typeof document.app !== 'string') {
    throw new Error(`${file} has no "app" command`);
  }
  const context = 'context' in document && typeof document.context === 'object' && document.context !== null ? document.context : {};
  const watch = 'watch' in document && typeof document.watch === 'object' && document.watch !== null ? document.watch : {};
  const include = 'include' in watch && Array.isArray(watch.include) ? watch.include : [];
  // `lib/**` → `lib`: the folders the app is built from.
  const watchInclude = include.filter((glob): glob is string => typeof glob === 'string').map((glob) => glob.split('/')[0] ?? glob);
  return { app: document.app, context: context as Record<string, unknown>, watchInclude };
}

function sourceHash(projectDirectory: string, folders: readonly string[], extraContext: unknown): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(extraContext ?? {}));
  const visit = (relative: string) => {
    const absolute = path.join(projectDirectory, relative);
    if (!existsSync(absolute)) return;
    const stats = statSync(absolute);
    if (stats.isDirectory()) {
      for (const entry of readdirSync(absolute).sort()) {
        if (entry !== 'node_modules') visit(path.join(relative, entry));
      }
      return;
    }
    hash.update(relative);
    hash.update(readFileSync(absolute));
  };
  for (const item of [...ALWAYS_HASHED, ...folders]) visit(item);
  return hash.digest('hex');
}
