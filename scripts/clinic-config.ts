/**
 * The clinic's details for the local tools (`npm start`, the preview gallery, the CLI's
 * `send-test`): read from `course.config.json`, or the file `COURSE_CONFIG` names,
 * through the same zod schema as `cdk deploy`, so what shows locally is what deploys.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assetsUrl } from '../functions/core/assets.js';
import type { EmailId } from '../functions/core/course.js';
import { sampleVariables } from '../functions/core/render.js';
import { type CourseSettings, clinicVariables } from '../functions/core/settings.js';
import { ConfigError, type CourseConfig, readConfigFile } from '../infra/config.js';

export { ConfigError, readConfigFile };

/** The project's own configuration file. */
export const CONFIG_FILE = fileURLToPath(new URL('../course.config.json', import.meta.url));

/** The configuration file to use: `COURSE_CONFIG` (as for `cdk deploy`), else the project's. */
export function configFileOf(env: NodeJS.ProcessEnv = process.env): string {
  return env.COURSE_CONFIG ? resolve(env.COURSE_CONFIG) : CONFIG_FILE;
}

/** The clinic's configuration for the local tools (see {@link configFileOf}). */
export function readClinicConfig(env: NodeJS.ProcessEnv = process.env): CourseConfig {
  return readConfigFile(configFileOf(env));
}

/**
 * Run-time settings from the configuration: what the deployed functions get through
 * their environment, with the links pointing at `publicBaseUrl`.
 */
export function settingsFromConfig(
  config: CourseConfig,
  where: { publicBaseUrl: string; fromAddress?: string },
): CourseSettings {
  return {
    clinicName: config.clinicName,
    postalAddress: config.postalAddress,
    siteUrl: config.siteUrl,
    ...(config.bookingUrl ? { bookingUrl: config.bookingUrl } : {}),
    publicBaseUrl: where.publicBaseUrl,
    fromAddress: where.fromAddress ?? config.senderAddress,
    fromName: config.senderName,
    ...(config.replyTo ? { replyTo: config.replyTo } : {}),
    sendHour: config.sendHour,
    defaultTimeZone: config.defaultTimeZone,
    retentionDays: config.retentionDays,
    allowedOrigins: config.allowedOrigins,
    trackOpensAndClicks: config.trackOpensAndClicks,
    ...(config.logoUrl
      ? { logo: { url: config.logoUrl, width: config.logoWidth, height: config.logoHeight } }
      : {}),
    ...(config.accentColor ? { accentColor: config.accentColor } : {}),
    ...(config.phone ? { phone: config.phone } : {}),
    ...(config.practitioner ? { practitioner: config.practitioner } : {}),
    ...(config.privacyPolicyUrl ? { privacyPolicyUrl: config.privacyPolicyUrl } : {}),
  };
}

/** An email's sample variables with the clinic's own details where the email shows them. */
export function clinicSample(id: EmailId, settings: CourseSettings): Record<string, string> {
  return withClinic(sampleVariables(id), settings);
}

/** `vars` with each clinic detail they hold replaced by the clinic's own. */
export function withClinic(vars: Record<string, string>, settings: CourseSettings): Record<string, string> {
  const filled = { ...vars };
  const own = { ...clinicVariables(settings), assetsUrl: assetsUrl(settings) };
  for (const [name, value] of Object.entries(own)) {
    if (name in filled) filled[name] = value;
  }
  return filled;
}
