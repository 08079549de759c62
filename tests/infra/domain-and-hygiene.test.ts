import type { CfnElement } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/contract.js';
import { parseConfig } from '../../infra/config.js';
import type { CourseStack } from '../../infra/course-stack.js';
import { FULL_CONFIG, resourcesOfType, synthCourse, testConfig } from './synth.js';

// The clinic's own domain (both ways), tracking by choice, tags, termination protection.
const idOf = (construct: IConstruct) =>
  Stack.of(construct).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
const props = (t: Template, construct: IConstruct) => t.toJSON().Resources[idOf(construct)].Properties;
const outputs = (stack: CourseStack, t: Template) =>
  Object.fromEntries(
    Object.entries(t.toJSON().Outputs as Record<string, { Value: unknown }>).map(([k, v]) => [
      k,
      JSON.stringify(stack.resolve(v.Value)),
    ]),
  );

describe('the clinic’s own domain, with a Route 53 zone', () => {
  let template: Template;
  let stack: CourseStack;
  beforeAll(() => {
    ({ template, stack } = synthCourse(
      testConfig({
        customDomain: { domainName: 'course.clinic.example', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      }),
    ));
  });

  it('makes a DNS-validated certificate in that zone', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'course.clinic.example',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: 'course.clinic.example', HostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      ],
    });
  });

  it('maps the domain to the API’s stage and points an alias record at it', () => {
    const domain = stack.api.domain as IConstruct;
    expect(props(template, domain)).toMatchObject({
      DomainName: 'course.clinic.example',
      DomainNameConfigurations: [
        expect.objectContaining({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }),
      ],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: idOf(stack.api.httpApi) },
      DomainName: { Ref: idOf(domain) },
      Stage: '$default',
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      Name: 'course.clinic.example',
      Type: 'A',
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': [idOf(domain), 'RegionalDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': [idOf(domain), 'RegionalHostedZoneId'] },
      },
    });
  });

  it('closes the execute-api endpoint', () => {
    expect(props(template, stack.api.httpApi).DisableExecuteApiEndpoint).toBe(true);
  });

  it('gives every function that makes links the domain’s URL', () => {
    for (const fn of [stack.api.handler.fn, stack.drip.sender.fn]) {
      expect(props(template, fn).Environment.Variables[ENV.publicBaseUrl]).toBe(
        'https://course.clinic.example',
      );
    }
    expect(outputs(stack, template).ApiUrl).toBe('"https://course.clinic.example"');
    expect(outputs(stack, template).SignupUrl).toBe('"https://course.clinic.example/"');
    expect(outputs(stack, template).CustomDomainRecord).toBeUndefined();
  });
});

describe('the clinic’s own domain, with an existing certificate', () => {
  const certificateArn =
    'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  let template: Template;
  let stack: CourseStack;
  beforeAll(() => {
    ({ template, stack } = synthCourse(
      testConfig({ customDomain: { domainName: 'course.clinic.example', certificateArn } }),
    ));
  });

  it('uses the certificate, makes none and touches no DNS zone', () => {
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(props(template, stack.api.domain as IConstruct).DomainNameConfigurations[0].CertificateArn).toBe(
      certificateArn,
    );
    expect(props(template, stack.api.httpApi).DisableExecuteApiEndpoint).toBe(true);
  });

  it('outputs the CNAME the owner adds', () => {
    expect(outputs(stack, template).CustomDomainRecord).toContain('course.clinic.example CNAME ');
    expect(outputs(stack, template).CustomDomainRecord).toContain('RegionalDomainName');
  });
});

describe('without a custom domain', () => {
  let template: Template;
  let stack: CourseStack;
  beforeAll(() => {
    ({ template, stack } = synthCourse(testConfig()));
  });

  it('keeps the execute-api endpoint, and the api function derives its URL from each request', () => {
    expect(props(template, stack.api.httpApi).DisableExecuteApiEndpoint).toBe(false);
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(props(template, stack.api.handler.fn).Environment.Variables[ENV.publicBaseUrl]).toBeUndefined();
  });

  it('lists the DNS records the owner must add: DKIM, MAIL FROM MX and SPF, a DMARC suggestion', () => {
    const out = outputs(stack, template);
    expect(Object.keys(out).filter((k) => k.startsWith('DkimRecord'))).toHaveLength(3);
    expect(out.MailFromMxRecord).toContain('mail.clinic.example MX 10 feedback-smtp.');
    expect(out.MailFromMxRecord).toContain('.amazonses.com');
    expect(out.MailFromSpfRecord).toBe('"mail.clinic.example TXT \\"v=spf1 include:amazonses.com ~all\\""');
    expect(out.DmarcRecordSuggestion).toBe(
      `"_dmarc.clinic.example TXT \\"v=DMARC1; p=none; rua=mailto:${FULL_CONFIG.alarmEmail}\\""`,
    );
  });

  it('with tracking on, publishes opens and clicks and rewrites links through the clinic’s click domain', () => {
    const destination = Object.values(
      resourcesOfType(template, 'AWS::SES::ConfigurationSetEventDestination'),
    )[0];
    expect(destination?.Properties.EventDestination.MatchingEventTypes).toEqual(
      expect.arrayContaining(['open', 'click']),
    );
    expect(props(template, stack.mail.configurationSet).TrackingOptions).toEqual({
      CustomRedirectDomain: 'click.clinic.example',
    });
    expect(props(template, stack.api.handler.fn).Environment.Variables[ENV.trackOpensAndClicks]).toBe('true');
    expect(outputs(stack, template).ClickTrackingRecord).toContain('click.clinic.example CNAME r.');
  });

  it('tags every resource that takes tags with the course and the clinic', () => {
    const tagged = Object.values(
      template.toJSON().Resources as Record<string, { Type: string; Properties?: { Tags?: unknown } }>,
    ).filter((r) => Array.isArray(r.Properties?.Tags));
    expect(tagged.length).toBeGreaterThan(10);
    for (const resource of tagged) {
      expect(resource.Properties?.Tags, resource.Type).toEqual(
        expect.arrayContaining([
          { Key: 'course', Value: 'KneePainCourse' },
          { Key: 'clinic', Value: 'Riverside Massage - Bodywork' },
        ]),
      );
    }
    for (const type of [
      'AWS::Lambda::Function',
      'AWS::SQS::Queue',
      'AWS::DynamoDB::Table',
      'AWS::SNS::Topic',
    ]) {
      expect(JSON.stringify(resourcesOfType(template, type)), type).toContain('"Key":"clinic"');
    }
  });

  it('keeps every queue’s messages for a retention period set in the stack, not left to a default', () => {
    const queues = Object.values(resourcesOfType(template, 'AWS::SQS::Queue'));
    expect(queues).toHaveLength(5);
    for (const queue of queues)
      expect(queue.Properties.MessageRetentionPeriod).toBeGreaterThanOrEqual(4 * 86_400);
  });

  it('is protected from termination by default, and can be told not to be', () => {
    expect(stack.terminationProtection).toBe(true);
    expect(synthCourse(testConfig({ terminationProtection: false })).stack.terminationProtection).toBe(false);
  });
});

describe('custom domain configuration', () => {
  it.each([
    [{ domainName: 'course.clinic.example' }, 'customDomain'],
    [{ domainName: 'course', hostedZoneId: 'Z0123456789ABCDEFGHIJ' }, 'customDomain'],
    [{ domainName: 'course.clinic.example', certificateArn: 'not-an-arn' }, 'customDomain'],
  ])('refuses %j, naming the field', (customDomain, field) => {
    expect(() => parseConfig({ ...FULL_CONFIG, customDomain })).toThrow(`course.config.json: ${field}`);
  });

  it('refuses publicBaseUrl next to customDomain', () => {
    expect(() =>
      parseConfig({
        ...FULL_CONFIG,
        publicBaseUrl: 'https://other.example',
        customDomain: { domainName: 'course.clinic.example', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      }),
    ).toThrow('course.config.json: publicBaseUrl: leave it out with customDomain');
  });

  it('refuses a click-tracking domain without tracking', () => {
    expect(() => parseConfig({ ...FULL_CONFIG, trackOpensAndClicks: false })).toThrow(
      'course.config.json: clickTrackingDomain: needs trackOpensAndClicks: true',
    );
  });
});
