/**
 * Watch mode's fast path: function code rebuilt by its recorded esbuild command alone, and the
 * functions that run it pointed at the new code (see assembly/function-rebuild.ts for when it applies).
 */
import path from 'node:path';
import { type RecordedBundle, rebundle } from '../assembly/function-rebuild';
import type { FunctionDefinition } from '../core/types';

let rebuilds = 0;

/** Rebuilds each bundle into a new folder under `rebuiltDirectory`; returns the definitions that now run new code. */
export async function rebundleFunctions(
  bundles: readonly RecordedBundle[],
  functions: readonly FunctionDefinition[],
  rebuiltDirectory: string,
): Promise<FunctionDefinition[]> {
  const previous = new Map(bundles.map((bundle) => [bundle, bundle.codeDirectory]));
  await Promise.all(
    bundles.map((bundle) => {
      rebuilds += 1;
      return rebundle(bundle, path.join(rebuiltDirectory, `${path.basename(bundle.assetDirectory)}-${rebuilds}`));
    }),
  );
  const moved = new Map(bundles.map((bundle) => [previous.get(bundle), bundle.codeDirectory]));
  return functions.flatMap((definition) => {
    const codeDirectory = moved.get(definition.codeDirectory);
    return codeDirectory === undefined ? [] : [{ ...definition, codeDirectory }];
  });
}
