/**
 * CDK entry point (`npx cdk synth|deploy`). The only file that reads the environment or
 * the configuration: COURSE_CONFIG or `-c config=<path>` picks the config file,
 * `-c stackName=<name>` the stack name.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError, type CourseConfig, parseConfig } from './config.js';
import { createCourseApp } from './course-app.js';

function readConfig(path: string): CourseConfig {
  const source = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${source}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  return parseConfig(raw, source);
}

// Context is read from a throwaway App so the real one is built with the config in hand.
const context = new App({ autoSynth: false }).node;
const configPath = resolve(
  process.env.COURSE_CONFIG ?? context.tryGetContext('config') ?? 'course.config.json',
);

try {
  const { app } = createCourseApp(readConfig(configPath), { stackName: context.tryGetContext('stackName') });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
