import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { CourseConfig } from './config.js';
import { CourseStack } from './course-stack.js';

/** Default CloudFormation stack name. */
export const DEFAULT_STACK_NAME = 'KneePainCourse';

/**
 * Builds the CDK app: the course stack plus cdk-nag's AwsSolutions checks, which run on
 * every synth and fail it on any finding that is not acknowledged next to its resource.
 * Takes a validated config and reads nothing else, so tests build the same app.
 */
export function createCourseApp(
  config: CourseConfig,
  options: { appProps?: AppProps; stackName?: string } = {},
): { app: App; stack: CourseStack } {
  const app = new App(options.appProps);
  const stack = new CourseStack(app, options.stackName ?? DEFAULT_STACK_NAME, {
    config,
    description:
      'Knee pain email course: sign-up, double opt-in, lesson drip over SES, one-click unsubscribe',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
