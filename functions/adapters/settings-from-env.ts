import type { CourseSettings } from '../core/settings.js';
import { ENV, requireEnv } from '../env.js';

/** Builds the course settings from the variables the CDK stack sets on every function. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): CourseSettings {
  const replyTo = env[ENV.replyTo];
  return {
    clinicName: requireEnv(ENV.clinicName, env),
    postalAddress: requireEnv(ENV.postalAddress, env),
    siteUrl: requireEnv(ENV.siteUrl, env),
    publicBaseUrl: requireEnv(ENV.publicBaseUrl, env).replace(/\/+$/, ''),
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
