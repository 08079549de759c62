import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../functions/contract.js';
import {
  CourseFunction,
  type FunctionDefaults,
  type MailSending,
  type SettingsEnvironment,
} from './course-function.js';

/**
 * One JSON object per request. Query strings are left out on purpose: they carry the
 * link tokens.
 */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
});

/** Properties of a {@link SignupApi}. */
export interface SignupApiProps {
  readonly entry: string;
  readonly functionDefaults: FunctionDefaults;
  /** The clinic's settings as the api function reads them (names from the contract's ENV). */
  readonly settings: SettingsEnvironment;
  readonly table: dynamodb.ITable;
  readonly linkSecret: secretsmanager.ISecret;
  /** Key of the subscriber ids. */
  readonly pseudonymSecret: secretsmanager.ISecret;
  /** Queue the confirm step puts lesson 1 on. */
  readonly queue: sqs.IQueue;
  /** The confirmation email goes out from the api function. */
  readonly sending: MailSending;
  /** Steady request rate (per second) and burst for the whole API. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Origins allowed to call the API from a browser on another site. @default - none */
  readonly allowedOrigins?: readonly string[];
  /** Public URL when the API sits behind a proxy the owner runs. @default - the execute-api URL */
  readonly publicBaseUrl?: string;
  /**
   * The clinic's own domain: a certificate is made (DNS-validated in the hosted zone) or
   * an existing one used; the execute-api endpoint is then disabled.
   * @default - the execute-api URL
   */
  readonly customDomain?: CustomDomain;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
}

/** The API on the clinic's domain: the stack manages DNS, or the owner adds a CNAME. */
export type CustomDomain =
  | { readonly domainName: string; readonly hostedZoneId: string }
  | { readonly domainName: string; readonly certificateArn: string };

/**
 * The public HTTP API: sign-up page and form post, confirm and unsubscribe pages and
 * their POSTs, health and static assets; throttled and access-logged as JSON.
 */
export class SignupApi extends Construct {
  readonly handler: CourseFunction;
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Base URL links and the sign-up page live under, without a trailing slash. */
  readonly baseUrl: string;
  /** The hosted sign-up page. */
  readonly signupUrl: string;
  /** The custom domain, when configured. */
  readonly domain?: apigw.DomainName;

  constructor(scope: Construct, id: string, props: SignupApiProps) {
    super(scope, id);

    this.handler = new CourseFunction(this, 'Handler', {
      ...props.functionDefaults,
      entry: props.entry,
      description: 'Sign-up, confirm and unsubscribe pages and form posts',
      serviceName: 'signup-api',
    })
      .bindTable(props.table, 'records')
      .bindLinkSecret(props.linkSecret)
      .bindPseudonymSecret(props.pseudonymSecret)
      .bindSendQueue(props.queue)
      .bindSending(props.sending)
      // Without a custom domain the function cannot be given its own API's URL (a
      // circular reference); the handler then builds links from the request's domain.
      .bindValues(props.settings);

    Validations.of(this.handler.fn).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Invoked synchronously by API Gateway only; a failure is an error page for the visitor, counted by the 5xx alarm. A DLQ applies to asynchronous invocations.',
    });
    const custom = props.customDomain;
    const baseUrl = custom ? `https://${custom.domainName}` : props.publicBaseUrl;
    // With its own domain the API is known by it, so the function can be told its URL.
    this.handler.bindValues({ [ENV.publicBaseUrl]: baseUrl });
    const origins = props.allowedOrigins ?? [];
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Email course sign-up, confirm and unsubscribe',
      createDefaultStage: false,
      // One address only: links, throttling and the access log all see the clinic's domain.
      disableExecuteApiEndpoint: custom !== undefined,
      // One `$default` route: the function owns routing (functions/http/api.ts), with its
      // own 404 page, 405 with Allow, HEAD and OPTIONS, so a new page needs no infra change.
      defaultIntegration: new HttpLambdaIntegration('Handler', this.handler.fn),
      // API Gateway answers cross-origin preflights itself (no Lambda call) and puts the
      // same origins the function would allow on the responses.
      ...(origins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...origins],
              allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST],
              allowHeaders: ['content-type', 'accept'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        'Public pages for anonymous visitors: sign-up needs no account, and confirm/unsubscribe are authorised by the signed token in the link.',
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    if (custom) {
      const certificate =
        'certificateArn' in custom
          ? acm.Certificate.fromCertificateArn(this, 'Certificate', custom.certificateArn)
          : new acm.Certificate(this, 'Certificate', {
              domainName: custom.domainName,
              validation: acm.CertificateValidation.fromDns(
                route53.HostedZone.fromHostedZoneId(this, 'Zone', custom.hostedZoneId),
              ),
            });
      this.domain = new apigw.DomainName(this, 'Domain', {
        domainName: custom.domainName,
        certificate,
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
      });
      new apigw.ApiMapping(this, 'Mapping', {
        api: this.httpApi,
        domainName: this.domain,
        stage: this.stage,
      });
      if ('hostedZoneId' in custom) {
        // L1 on purpose: the alias needs only the zone's id, which the config has, not its name.
        new route53.CfnRecordSet(this, 'Alias', {
          hostedZoneId: custom.hostedZoneId,
          name: custom.domainName,
          type: 'A',
          aliasTarget: {
            dnsName: this.domain.regionalDomainName,
            hostedZoneId: this.domain.regionalHostedZoneId,
          },
        });
      }
    }

    this.baseUrl = baseUrl ?? this.httpApi.apiEndpoint;
    this.signupUrl = `${this.baseUrl}/`;
  }
}
