'use strict';
/**
 * Loaded into the processes of the local cloud's own `cdk synth` (NODE_OPTIONS --require, set by
 * synthesize.ts when it is asked to record), so that a later edit of function code can be rebuilt
 * without synthesizing again (function-rebuild.ts). It records, into LOCAL_CLOUD_BUNDLE_RECORD:
 * - each esbuild command the CDK's NodejsFunction runs for local bundling, exactly as run, with a
 *   `--metafile` added so that the bundle's inputs are known, and the digest of what it wrote;
 * - every project file the CDK app itself loaded, so that an edit to a file the app reads (a
 *   constant shared by the stack and a handler) still synthesizes.
 * Nothing else changes: the commands run with the CDK's own arguments, environment and folder.
 */
const childProcess = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const moduleApi = require('node:module');
const path = require('node:path');
const { fileURLToPath } = require('node:url');

const recordDirectory = process.env.LOCAL_CLOUD_BUNDLE_RECORD;
if (recordDirectory !== undefined && recordDirectory !== '') {
  const loaded = new Set();
  // Node 22.15 and later: ES modules too (the app's TypeScript through tsx). Without it only
  // CommonJS is seen, and the app's files count as unknown: an edit to them synthesizes.
  if (typeof moduleApi.registerHooks === 'function') {
    moduleApi.registerHooks({
      resolve(specifier, context, next) {
        const resolved = next(specifier, context);
        if (resolved.url.startsWith('file:')) loaded.add(fileURLToPath(resolved.url));
        return resolved;
      },
    });
  }
  const bundles = [];
  const originalSpawnSync = childProcess.spawnSync;
  childProcess.spawnSync = function spawnSync(...callArguments) {
    const [command, args, options] = callArguments;
    const argv = Array.isArray(args) ? args : [];
    const outfileArgument = argv.find((argument) => typeof argument === 'string' && argument.startsWith('--outfile='));
    if (!argv.includes('--bundle') || outfileArgument === undefined || !argv.some((argument) => /(^|\/)esbuild$/.test(String(argument)))) {
      return originalSpawnSync.apply(this, callArguments);
    }
    // The app's own `metafile: true` is kept as it is (its file lands in the asset, so that bundle synthesizes).
    const own = argv.find((argument) => typeof argument === 'string' && argument.startsWith('--metafile='));
    const metafile = own === undefined ? path.join(recordDirectory, `bundle-${process.pid}-${bundles.length}.meta.json`) : own.slice(11);
    const result = originalSpawnSync.call(this, command, own === undefined ? [...argv, `--metafile=${metafile}`] : argv, options);
    const outfile = path.resolve(options?.cwd ?? process.cwd(), outfileArgument.slice('--outfile='.length));
    if (result.status === 0 && fs.existsSync(outfile)) {
      const extraEnvironment = {};
      for (const [key, value] of Object.entries(options?.env ?? {})) if (process.env[key] !== value) extraEnvironment[key] = value;
      bundles.push({
        command,
        args: argv,
        cwd: options?.cwd ?? process.cwd(),
        extraEnvironment,
        outfile,
        metafile,
        outputSha256: createHash('sha256').update(fs.readFileSync(outfile)).digest('hex'),
      });
    }
    return result;
  };
  process.on('exit', () => {
    for (const file of Object.keys(require.cache)) loaded.add(file);
    const record = { pid: process.pid, argv: process.argv, loaded: [...loaded], bundles };
    fs.writeFileSync(path.join(recordDirectory, `process-${process.pid}.json`), JSON.stringify(record));
  });
}
