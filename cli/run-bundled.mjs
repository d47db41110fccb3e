/**
 * Runs a TypeScript command of this project from one esbuild bundle, so that `npm run square` and
 * `npm run invoke` start without compiling TypeScript on every call (tsx took most of their start):
 *   node cli/run-bundled.mjs cli/square.ts <its arguments>
 * The bundle is cached in node_modules/.cache/multi-square/cli/ with the size and mtime of every
 * source file it was built from, and rebuilt, before it runs, when one of them has changed (a
 * fraction of a second). Only the project's own code is bundled: packages stay in node_modules, and each file's
 * `import.meta.url`, `import.meta.dirname` and `import.meta.filename` keep their values, so paths
 * built from them (the runtime's bootstrap, the project folder) are those of the sources. Plain
 * JavaScript, so that any Node.js runs it.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Bumped when the way bundles are built changes, so that older ones are rebuilt. */
const BUILD_VERSION = 1;
/** Build folders older than this are removed by the next build. */
const DAY_MS = 24 * 60 * 60 * 1000;

const projectDirectory = path.resolve(import.meta.dirname, '..');
const [entryArgument, ...args] = process.argv.slice(2);
if (entryArgument === undefined) {
  process.stderr.write('Usage: node cli/run-bundled.mjs <command.ts> [arguments]\n');
  process.exit(2);
}
const entry = path.resolve(projectDirectory, entryArgument);
const cacheDirectory = path.join(projectDirectory, 'node_modules', '.cache', 'multi-square', 'cli');
/** The command's name in the cache: its path in the project, `cli-square` for cli/square.ts. */
const name = path
  .relative(projectDirectory, entry)
  .replace(/\.ts$/, '')
  .replace(/[^A-Za-z0-9_]+/g, '-');
const manifestFile = path.join(cacheDirectory, `${name}.json`);

/** A file's size and modification time, as the manifest keeps them. */
const stampOf = (file) => {
  const stats = statSync(file);
  return `${stats.size}:${stats.mtimeMs}`;
};

/** The cached build's entry file, if it was built, the way this file builds, from the sources as they are now. */
function freshBuild() {
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    if (manifest.version !== BUILD_VERSION || manifest.projectDirectory !== projectDirectory) return undefined;
    const fresh = Object.entries(manifest.inputs).every(([file, stamp]) => stampOf(path.join(projectDirectory, file)) === stamp);
    return fresh ? manifest.entry : undefined;
  } catch {
    return undefined;
  }
}

/** Packages (and node: builtins) load from node_modules at run time; the workspace's own package is bundled. */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (resolving) =>
      resolving.path.startsWith('@multi-square/') ? undefined : { path: resolving.path, external: true },
    );
  },
};

/** Each source file's `import.meta` paths, as they are when it runs unbundled. */
const sourcePaths = {
  name: 'source-paths',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (loading) => {
      const source = readFileSync(loading.path, 'utf8');
      if (!source.includes('import.meta')) return undefined;
      const contents = source
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(loading.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(loading.path)))
        .replaceAll('import.meta.filename', JSON.stringify(loading.path));
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Builds the command into a folder of its own (its lazily imported modules stay lazy: a chunk
 * each) and points the manifest at it; returns its entry file. A new folder each time, so that a
 * command still running from an older one can load its chunks; folders older than a day go.
 */
async function build() {
  const esbuild = await import('esbuild');
  const outdir = path.join(cacheDirectory, `${name}@${Date.now()}-${process.pid}`);
  const result = await esbuild.build({
    absWorkingDir: projectDirectory,
    entryPoints: [entry],
    outdir,
    entryNames: 'main',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    metafile: true,
    logLevel: 'error',
    // For a bundled CommonJS module's require() of a package.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [externalPackages, sourcePaths],
  });
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((file) => [file, stampOf(path.join(projectDirectory, file))]));
  const built = path.join(outdir, 'main.mjs');
  // Written aside, then renamed: two commands building at once each leave a whole manifest.
  const temporary = `${manifestFile}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ version: BUILD_VERSION, projectDirectory, entry: built, inputs })}\n`);
  renameSync(temporary, manifestFile);
  for (const folder of readdirSync(cacheDirectory)) {
    const builtAt = folder.startsWith(`${name}@`) ? Number.parseInt(folder.slice(name.length + 1), 10) : Number.NaN;
    if (Date.now() - builtAt > DAY_MS) rmSync(path.join(cacheDirectory, folder), { recursive: true, force: true });
  }
  return built;
}

const built = freshBuild() ?? (await build());
process.argv = [process.argv[0] ?? process.execPath, entry, ...args];
await import(pathToFileURL(built).href);
