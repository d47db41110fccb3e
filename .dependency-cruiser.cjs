/**
 * The local cloud's layering, checked by `npm run lint` (dependency-cruiser).
 *
 * Layers, low to high: a module may import its own layer or a lower one, never a higher one.
 * lambda/runtime/ (the OS side of an execution environment) sits below the rest of lambda/.
 * index.ts, the package's public entry, sits on top of them all.
 */
const LAYERS = ['core', 'sigv4', 'server', 'assembly', 'lambda/runtime', 'lambda', 'http-api', 'durable', 'stack', 'cli'];

/** The path pattern of one layer's non-test source (lambda/ without its runtime/). */
const layerPath = (layer) => (layer === 'lambda' ? '^local-cloud/lambda/(?!runtime/)' : `^local-cloud/${layer}/`);

const upALayer = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `no-import-up-from-${layer.replace('/', '-')}`,
  comment: `${layer} may import only its own layer or one below it (${LAYERS.slice(0, index).join(', ') || 'none'})`,
  severity: 'error',
  from: { path: layerPath(layer) },
  to: { path: [...LAYERS.slice(index + 1).map(layerPath), '^local-cloud/index\\.ts$'] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle hides which module is the lower one',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upALayer,
    {
      name: 'assembly-not-runtime',
      comment: 'The assembly reader reads templates; it knows nothing of how a function runs',
      severity: 'error',
      from: { path: '^local-cloud/assembly/' },
      to: { path: '^local-cloud/lambda/' },
    },
    {
      name: 'local-cloud-not-app',
      comment: 'The local cloud serves any CDK app; it must not import this one (lib/, functions/, cli/, bench/, test/)',
      severity: 'error',
      from: { path: '^local-cloud/' },
      to: { path: '^(lib|functions|cli|bench|test)/' },
    },
    {
      name: 'local-cloud-source-not-tests',
      comment: "The package's own code does not import its tests, fixtures or test support",
      severity: 'error',
      from: { path: '^local-cloud/', pathNot: '^local-cloud/test/' },
      to: { path: '^local-cloud/test/' },
    },
    {
      name: 'app-through-public-entry',
      comment: "The app's code (lib/, functions/, cli/, bench/) uses the local cloud through its public entry, index.ts",
      severity: 'error',
      from: { path: '^(lib|functions|cli|bench)/' },
      to: { path: '^local-cloud/', pathNot: '^local-cloud/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // local-cloud/dist/: the bundled bin (npm run build), built from the sources cruised here.
    exclude: { path: ['(^|/)(node_modules|cdk\\.out|\\.local-cloud)/', '^local-cloud/dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.cjs', '.mjs', '.js', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
