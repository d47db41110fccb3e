/**
 * Each synthesis into the local cloud's own `cdk.out` writes the assets of the code as it is now
 * (`asset.<hash>`, named by content) beside those of every earlier synthesis, which the CDK never
 * removes: after a day of edits the folder holds hundreds of bundles. What the assembly just
 * written no longer names is removed; what it names stays.
 */
import { type Dirent, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const ASSET_NAME = /asset\.[0-9a-f]{64}(?:\.[A-Za-z0-9.]+)?/g;

/** The manifests of an assembly and of the nested assemblies of its stages (`assembly-*`). */
function manifestFiles(outdir: string): string[] {
  const files: string[] = [];
  const visit = (directory: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      if (entry.isFile() && entry.name.endsWith('.json')) files.push(full);
      else if (entry.isDirectory() && entry.name.startsWith('assembly-') && depth < 4) visit(full, depth + 1);
    }
  };
  visit(outdir, 0);
  return files;
}

/**
 * Removes the `asset.*` files and folders of `outdir` that none of its manifests, asset manifests,
 * templates or metadata names (nor those of its nested assemblies); returns what it removed.
 */
export function pruneUnreferencedAssets(outdir: string): string[] {
  const referenced = new Set<string>();
  for (const file of manifestFiles(outdir)) {
    for (const match of readFileSync(file, 'utf8').matchAll(ASSET_NAME)) referenced.add(match[0]);
  }
  // Without a manifest naming anything, nothing is known to be unused.
  if (referenced.size === 0) return [];
  const removed: string[] = [];
  for (const name of readdirSync(outdir)) {
    if (!name.startsWith('asset.') || referenced.has(name)) continue;
    rmSync(path.join(outdir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
