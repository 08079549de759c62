import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ESBUILD_OPTIONS, LAMBDA_ENTRIES, type LambdaName, REPO_ROOT } from './bundling.js';

/** What one function's bundle weighs and what is in it. */
export interface BundleReport {
  /** Size of the bundled `index.mjs`, in bytes (what Lambda loads). */
  readonly bytes: number;
  /** Size of its source map, in bytes. */
  readonly sourceMapBytes: number;
  /** npm packages that ended up in the bundle. */
  readonly packages: readonly string[];
  /** Biggest contributors (npm package or repository folder) by bytes in the output, largest first. */
  readonly largest: readonly { readonly name: string; readonly bytes: number }[];
}

/** Groups a metafile input path by npm package or by repository folder. */
function owner(inputPath: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(inputPath);
  if (pkg?.[1]) return pkg[1];
  return inputPath.split('/').slice(0, 2).join('/');
}

/**
 * Bundles every Lambda handler with the same esbuild settings CourseFunction gives
 * NodejsFunction (see BUNDLING) into `outDir/<name>/index.mjs`, and reports sizes.
 */
export async function bundleFunctions(outDir: string): Promise<Record<LambdaName, BundleReport>> {
  const reports = {} as Record<LambdaName, BundleReport>;
  for (const [name, entry] of Object.entries(LAMBDA_ENTRIES) as [LambdaName, string][]) {
    const dir = join(outDir, name);
    await mkdir(dir, { recursive: true });
    const result = await build({
      absWorkingDir: REPO_ROOT,
      entryPoints: [join(REPO_ROOT, entry)],
      outfile: join(dir, 'index.mjs'),
      ...ESBUILD_OPTIONS,
      metafile: true,
    });
    const outputs = result.metafile.outputs;
    const js = Object.entries(outputs).find(([file]) => file.endsWith('.mjs'));
    const map = Object.entries(outputs).find(([file]) => file.endsWith('.map'));
    if (!js) throw new Error(`esbuild wrote no bundle for ${entry}`);
    const byOwner = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(js[1].inputs)) {
      byOwner.set(owner(input), (byOwner.get(owner(input)) ?? 0) + bytesInOutput);
    }
    const packages = Object.keys(result.metafile.inputs)
      .filter((input) => input.includes('node_modules/'))
      .map(owner);
    reports[name] = {
      bytes: js[1].bytes,
      sourceMapBytes: map?.[1].bytes ?? 0,
      packages: [...new Set(packages)].sort(),
      largest: [...byOwner]
        .map(([owner, bytes]) => ({ name: owner, bytes }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 8),
    };
  }
  return reports;
}
