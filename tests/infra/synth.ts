import { Template } from 'aws-cdk-lib/assertions';
import { type CourseConfig, parseConfig } from '../../infra/config.js';
import { createCourseApp } from '../../infra/course-app.js';
import type { CourseStack } from '../../infra/course-stack.js';

/** A full configuration, every optional feature on; tests override fields. */
export const FULL_CONFIG = {
  senderAddress: 'course@clinic.example',
  senderName: 'Riverside Massage & Bodywork',
  replyTo: 'hello@clinic.example',
  clinicName: 'Riverside Massage & Bodywork',
  postalAddress: '12 Mill Lane, Riverside, RS1 2AB, United Kingdom',
  siteUrl: 'https://clinic.example',
  bookingUrl: 'https://clinic.example/book',
  logoUrl: 'https://clinic.example/logo.png',
  logoWidth: 180,
  logoHeight: 40,
  accentColor: '#7a2e4d',
  phone: '01234 567890',
  practitioner: 'Jane Doe, MSc, remedial massage therapist',
  privacyPolicyUrl: 'https://clinic.example/privacy',
  allowedOrigins: ['https://clinic.example'],
  sendHour: 8,
  defaultTimeZone: 'Europe/London',
  maxSendRate: 12,
  senderMaxConcurrency: 3,
  sweepMinutes: 5,
  apiThrottle: { rateLimit: 7, burstLimit: 15 },
  sesIdentityDomain: 'clinic.example',
  mailFromSubdomain: 'mail',
  alarmEmail: 'owner@clinic.example',
  trackOpensAndClicks: true,
  clickTrackingDomain: 'click.clinic.example',
  logRetentionDays: 90,
  dashboard: true,
};

export function testConfig(overrides: Record<string, unknown> = {}): CourseConfig {
  return parseConfig({ ...FULL_CONFIG, ...overrides }, 'test config');
}

/**
 * Synthesizes the course app exactly as infra/app.ts does, cdk-nag included (a finding
 * makes this throw), Lambda bundling included.
 */
export function synthCourse(config: CourseConfig): { template: Template; stack: CourseStack } {
  const { stack } = createCourseApp(config);
  return { template: Template.fromStack(stack), stack };
}

/** Synthesized CloudFormation: plain JSON, checked field by field in the tests. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type
export type Cfn = any;

/** Resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, { Properties: Cfn }> {
  return template.findResources(type) as Record<string, { Properties: Cfn }>;
}
