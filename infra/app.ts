/**
 * CDK entry point (`npx cdk synth|deploy`). The only file that reads the environment or
 * the configuration: COURSE_CONFIG or `-c config=<path>` picks the config file,
 * `-c stackName=<name>` the stack name.
 */
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError, readConfigFile } from './config.js';
import { createCourseApp } from './course-app.js';

// Context is read from a throwaway App so the real one is built with the config in hand.
const context = new App({ autoSynth: false }).node;
const configPath = resolve(
  process.env.COURSE_CONFIG ?? context.tryGetContext('config') ?? 'course.config.json',
);

try {
  const { app } = createCourseApp(readConfigFile(configPath), {
    stackName: context.tryGetContext('stackName'),
  });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
