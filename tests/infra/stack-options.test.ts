import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/contract.js';
import type { CourseStack } from '../../infra/course-stack.js';
import { type Cfn, resourcesOfType, synthCourse, testConfig } from './synth.js';

// The smallest setup: identity verified by hand, no cross-origin form,
// a custom domain in front of the API, and the SES sandbox (one email a second, a
// verified test recipient).
let template: Template;
let stack: CourseStack;

beforeAll(() => {
  const config = testConfig({
    sesIdentityDomain: undefined,
    mailFromSubdomain: undefined,
    allowedOrigins: [],
    publicBaseUrl: 'https://course.clinic.example/',
    sandboxRecipients: ['tester@clinic.example'],
    trackOpensAndClicks: undefined,
    clickTrackingDomain: undefined,
    maxSendRate: 1,
    senderMaxConcurrency: 2,
  });
  ({ template, stack } = synthCourse(config));
});

const fnEnv = (fn: { node: { defaultChild?: unknown } }): Record<string, Cfn> => {
  const id = stack.resolve((fn.node.defaultChild as { logicalId: string }).logicalId);
  return template.toJSON().Resources[id].Properties.Environment.Variables;
};

describe('stack without optional features', () => {
  it('creates no SES identity when the domain is verified outside the stack', () => {
    template.resourceCountIs('AWS::SES::EmailIdentity', 0);
    expect(Object.keys(template.toJSON().Outputs).filter((k) => k.startsWith('DkimRecord'))).toEqual([]);
  });

  it('still allows sending from the sender’s domain, and to sandbox test recipients', () => {
    const statements = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: Cfn) => s.Action === 'ses:SendEmail');
    expect(statements).toHaveLength(2);
    for (const statement of statements) {
      const arns = JSON.stringify(statement.Resource);
      expect(arns).toContain(':identity/clinic.example"');
      expect(arns).toContain(':identity/course@clinic.example"');
      expect(arns).toContain(':identity/tester@clinic.example"');
      expect(arns).toContain(':configuration-set/');
    }
  });

  it('uses the custom domain for links in every function that makes links, the api included', () => {
    for (const fn of [stack.api.handler.fn, stack.drip.sender.fn]) {
      expect(fnEnv(fn)[ENV.publicBaseUrl]).toBe('https://course.clinic.example');
    }
    expect(template.toJSON().Outputs.SignupUrl.Value).toBe('https://course.clinic.example/');
  });

  it('answers no cross-origin preflight when no origin is allowed', () => {
    const api = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Api'))[0];
    expect(api?.Properties.CorsConfiguration).toBeUndefined();
  });

  it('gives the sender long enough to pace a batch at half an email a second', () => {
    const resources = template.toJSON().Resources;
    const id = (c: { node: { defaultChild?: unknown } }) =>
      stack.resolve((c.node.defaultChild as { logicalId: string }).logicalId);
    const timeout = resources[id(stack.drip.sender.fn)].Properties.Timeout;
    expect(timeout).toBeGreaterThanOrEqual(2 * 10 * 2); // twice a batch of ten at 0.5/s
    expect(timeout).toBeLessThanOrEqual(900);
    expect(resources[id(stack.drip.queue)].Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('publishes no open or click events by default, so SES adds no pixel and rewrites no link', () => {
    const destination = Object.values(
      resourcesOfType(template, 'AWS::SES::ConfigurationSetEventDestination'),
    )[0];
    expect([...(destination?.Properties.EventDestination.MatchingEventTypes ?? [])].sort()).toEqual([
      'bounce',
      'complaint',
      'delivery',
      'deliveryDelay',
      'reject',
    ]);
    const set = Object.values(resourcesOfType(template, 'AWS::SES::ConfigurationSet'))[0];
    expect(set?.Properties.TrackingOptions).toBeUndefined();
    expect(fnEnv(stack.api.handler.fn)[ENV.trackOpensAndClicks]).toBe('false');
  });
});
