/**
 * Environment variable names shared by the CDK constructs that set them and the
 * handlers that read them, plus the one helper that reads them.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  queueUrl: 'QUEUE_URL',
  /** Secrets Manager secret id holding the link-signing keys (JSON). */
  linkSecretId: 'LINK_SECRET_ID',
  /** Public base URL of the API, e.g. https://abc.execute-api.eu-west-1.amazonaws.com */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  fromAddress: 'FROM_ADDRESS',
  fromName: 'FROM_NAME',
  replyTo: 'REPLY_TO',
  configurationSet: 'SES_CONFIGURATION_SET',
  clinicName: 'CLINIC_NAME',
  postalAddress: 'POSTAL_ADDRESS',
  siteUrl: 'SITE_URL',
  allowedOrigins: 'ALLOWED_ORIGINS',
  sendHour: 'SEND_HOUR',
  defaultTimeZone: 'DEFAULT_TIME_ZONE',
  /** Emails per second the whole course may send (keep it under the SES account's rate). */
  maxSendRate: 'MAX_SEND_RATE',
  /** Most sender functions running at once (the SQS event source's maxConcurrency). */
  senderMaxConcurrency: 'SENDER_MAX_CONCURRENCY',
  dueShards: 'DUE_SHARDS',
} as const;

/** Reads a required environment variable; throws naming it when it is missing or empty. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}
