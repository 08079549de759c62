import type { CourseSettings } from '../core/settings.js';
import { ENV, requireEnv } from '../env.js';

/**
 * Builds the course settings from the variables the CDK stack sets on every function.
 * The api function may run without PUBLIC_BASE_URL (its own URL would be a circular
 * reference in the stack); `publicBaseUrl` is then '' and links take each request's domain.
 */
export function settingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  { publicBaseUrl = 'required' }: { publicBaseUrl?: 'required' | 'optional' } = {},
): CourseSettings {
  const replyTo = env[ENV.replyTo];
  const baseUrl =
    publicBaseUrl === 'required' ? requireEnv(ENV.publicBaseUrl, env) : (env[ENV.publicBaseUrl] ?? '');
  return {
    clinicName: requireEnv(ENV.clinicName, env),
    postalAddress: requireEnv(ENV.postalAddress, env),
    siteUrl: requireEnv(ENV.siteUrl, env),
    publicBaseUrl: baseUrl.replace(/\/+$/, ''),
    fromAddress: requireEnv(ENV.fromAddress, env),
    fromName: requireEnv(ENV.fromName, env),
    ...(replyTo ? { replyTo } : {}),
    sendHour: Number(requireEnv(ENV.sendHour, env)),
    defaultTimeZone: requireEnv(ENV.defaultTimeZone, env),
    allowedOrigins: (env[ENV.allowedOrigins] ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  };
}
