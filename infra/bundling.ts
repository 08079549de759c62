import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

/** Repository root: NodejsFunction's project root, and where the handler entries live. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The Lambda handler files, one per function, relative to the repository root. */
export const LAMBDA_ENTRIES = {
  api: 'functions/api.ts',
  sweep: 'functions/sweep.ts',
  sender: 'functions/sender.ts',
  mailEvents: 'functions/mail-events.ts',
} as const;

/**
 * The compiled module of one course (`npm run build` writes it from `emails/<id>/`). Each
 * stack bundles its own course by aliasing the `#course` import to it, so two stacks in
 * one app can carry two courses; locally `#course` is whichever course was chosen last.
 */
export function courseModuleOf(courseId: string): string {
  return join(REPO_ROOT, 'functions/core/generated/courses', `${courseId}.ts`);
}

/** A Lambda function of the course, by its key in {@link LAMBDA_ENTRIES}. */
export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/**
 * esbuild settings of every function, shared by the house construct (CourseFunction) and
 * by `bundleFunctions` so the size the benchmark reports is the size that deploys.
 */
export const BUNDLING = {
  /** Matches Runtime.NODEJS_24_X. */
  target: 'node24',
  format: 'esm',
  minify: true,
  sourceMap: true,
  // Stack traces map back to files and lines without shipping the sources themselves.
  sourcesContent: false,
  // Prefer the ESM builds of the AWS SDK and Powertools: smaller after tree shaking.
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call `require` for Node built-ins; an ES module has none.
  banner:
    "import { createRequire as __courseRequire } from 'node:module'; const require = __courseRequire(import.meta.url);",
  logLevel: 'warning',
} as const;

/** The esbuild build options that {@link BUNDLING} amounts to, for bundling outside CDK. */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: BUNDLING.target,
  format: BUNDLING.format,
  minify: BUNDLING.minify,
  sourcemap: BUNDLING.sourceMap,
  sourcesContent: BUNDLING.sourcesContent,
  mainFields: [...BUNDLING.mainFields],
  banner: { js: BUNDLING.banner },
  logLevel: BUNDLING.logLevel,
} satisfies BuildOptions;
