/**
 * The cloud assembly's manifests: the stacks of `cdk.out` (nested assemblies included), each with
 * its template and the source directory of each file asset. Reads only.
 * https://docs.aws.amazon.com/cdk/v2/guide/apps.html
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type ArtifactManifest,
  ArtifactType,
  type AssetManifestProperties,
  type AwsCloudFormationStackProperties,
  Manifest,
  type NestedCloudAssemblyProperties,
} from '@aws-cdk/cloud-assembly-schema';

export type TemplateValue = unknown;

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, TemplateValue>;
  readonly Metadata?: Record<string, TemplateValue>;
}

export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, { readonly Default?: TemplateValue }>;
}

export interface StackArtifact {
  readonly stackName: string;
  readonly template: Template;
  /** Directory of the assembly that holds the stack; asset paths are relative to it. */
  readonly assemblyDirectory: string;
  /** `objectKey` of each file asset → its source directory, from the stack's asset manifest. */
  readonly assetDirectoriesByObjectKey: ReadonlyMap<string, string>;
}

/** What intrinsic resolution needs to know about the stack being read. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/**
 * Stacks of the assembly, following nested assemblies (CDK Stages). The manifests are read with the
 * CDK's own schema package, which validates them and refuses an assembly newer than it knows.
 * https://docs.aws.amazon.com/cdk/v2/guide/apps.html
 */
export function readStackArtifacts(assemblyDirectory: string): StackArtifact[] {
  const manifestFile = path.join(assemblyDirectory, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new Error(`${manifestFile} does not exist: is ${assemblyDirectory} a synthesized cloud assembly?`);
  }
  const artifacts = Manifest.loadAssemblyManifest(manifestFile).artifacts ?? {};
  const stacks: StackArtifact[] = [];
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (artifact.type === ArtifactType.NESTED_CLOUD_ASSEMBLY) {
      const { directoryName } = artifact.properties as NestedCloudAssemblyProperties;
      stacks.push(...readStackArtifacts(path.join(assemblyDirectory, directoryName)));
      continue;
    }
    if (artifact.type !== ArtifactType.AWS_CLOUDFORMATION_STACK) continue;
    const properties = artifact.properties as AwsCloudFormationStackProperties;
    const template = readJson(path.join(assemblyDirectory, properties.templateFile)) as Template;
    stacks.push({
      stackName: properties.stackName ?? artifactId,
      template,
      assemblyDirectory,
      assetDirectoriesByObjectKey: readAssetDirectories(assemblyDirectory, artifacts, artifact.dependencies ?? []),
    });
  }
  return stacks;
}

/** Maps each file asset's S3 object key to its directory, from the asset manifests a stack depends on. */
function readAssetDirectories(
  assemblyDirectory: string,
  artifacts: Readonly<Record<string, ArtifactManifest>>,
  dependencies: readonly string[],
): Map<string, string> {
  const directories = new Map<string, string>();
  for (const dependency of dependencies) {
    const artifact = artifacts[dependency];
    if (artifact?.type !== ArtifactType.ASSET_MANIFEST) continue;
    const { file } = artifact.properties as AssetManifestProperties;
    const assetManifest = Manifest.loadAssetManifest(path.join(assemblyDirectory, file));
    for (const asset of Object.values(assetManifest.files ?? {})) {
      if (asset.source.path === undefined) continue;
      const sourceDirectory = path.resolve(assemblyDirectory, asset.source.path);
      for (const destination of Object.values(asset.destinations)) {
        directories.set(destination.objectKey, sourceDirectory);
      }
    }
  }
  return directories;
}

export function resourcesOfType(template: Template, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === type);
}
