import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { CourseConfig } from './config.js';
import { CourseStack } from './course-stack.js';

/** Default CloudFormation stack name: the course id in PascalCase, then `Course`. */
export function defaultStackName(courseId: string): string {
  return `${courseId.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase())}Course`;
}

/**
 * Builds the CDK app: the course stack plus cdk-nag's AwsSolutions and Serverless checks,
 * which run on every synth and fail it on any finding not acknowledged next to its resource.
 * Takes a validated config and reads nothing else, so tests build the same app.
 */
export function createCourseApp(
  config: CourseConfig,
  options: { appProps?: AppProps; stackName?: string } = {},
): { app: App; stack: CourseStack } {
  const app = new App(options.appProps);
  const stackName = options.stackName ?? defaultStackName(config.course);
  const stack = new CourseStack(app, stackName, {
    config,
    terminationProtection: config.terminationProtection,
    description: `Email course ${config.course}: sign-up, double opt-in, lesson drip over SES, one-click unsubscribe`,
  });
  // Every resource carries both, so the clinic's bill and console can tell courses apart.
  Tags.of(stack).add('course', tagValue(stackName));
  Tags.of(stack).add('clinic', tagValue(config.clinicName));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}

/** A tag value every AWS service accepts: letters, digits, spaces and `_ . : / = + - @`, at most 256. */
export function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, '-').slice(0, 256);
}
