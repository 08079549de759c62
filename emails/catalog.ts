/**
 * The variables a template may use, and the sample values that tests and the preview
 * fill them with. The build finds the ones each template uses and refuses any other.
 */
import { LESSON_IMAGE_PATH } from '../functions/core/assets.js';
import { bookingLink, DEFAULT_ACCENT_COLOR, sampleSettings } from '../functions/core/settings.js';

/**
 * Every variable a template may use. `url` values go into `href` and `src` attributes, so
 * they must be http(s) URLs; `text` values are escaped and may never sit inside an
 * attribute URL; `color` (`#rrggbb`) alone may go into `style` and `bgcolor`, `pixels`
 * (digits) alone into `width` and `height`. The renderer checks each value's kind.
 */
export const variableKinds = {
  firstName: 'text',
  clinicName: 'text',
  postalAddress: 'text',
  siteUrl: 'url',
  bookingUrl: 'url',
  confirmUrl: 'url',
  unsubscribeUrl: 'url',
  /** Where the stack serves the lessons' pictures; the build writes `{{assetsUrl}}/<hash>.png`. */
  assetsUrl: 'url',
  accentColor: 'color',
  logoUrl: 'url',
  logoWidth: 'pixels',
  logoHeight: 'pixels',
  phone: 'text',
  practitioner: 'text',
  privacyPolicyUrl: 'url',
} as const;

/**
 * The clinic's optional details. Each may be '' (not set), and may be used only inside a
 * section `{{#name}}...{{/name}}`, which the renderer drops when its variable is ''.
 */
export const optionalVariables: readonly VariableName[] = [
  'logoUrl',
  'logoWidth',
  'logoHeight',
  'phone',
  'practitioner',
  'privacyPolicyUrl',
];

export type VariableName = keyof typeof variableKinds;

/** One sample value per variable; each email takes the ones it declares. */
export const sampleValues: Record<VariableName, string> = {
  firstName: 'Sam',
  clinicName: sampleSettings.clinicName,
  postalAddress: sampleSettings.postalAddress,
  siteUrl: sampleSettings.siteUrl,
  bookingUrl: bookingLink(sampleSettings),
  confirmUrl: `${sampleSettings.publicBaseUrl}/confirm?token=sample-confirm-token`,
  unsubscribeUrl: `${sampleSettings.publicBaseUrl}/unsubscribe?token=sample-unsubscribe-token`,
  assetsUrl: `${sampleSettings.publicBaseUrl}${LESSON_IMAGE_PATH}`,
  // The sample clinic sets no brand: its emails show the defaults.
  accentColor: DEFAULT_ACCENT_COLOR,
  logoUrl: '',
  logoWidth: '',
  logoHeight: '',
  phone: '',
  practitioner: '',
  privacyPolicyUrl: '',
};

/** The sample values of the given variables. */
export function sampleFor(variables: readonly string[]): Record<string, string> {
  return Object.fromEntries(variables.map((name) => [name, sampleValues[name as VariableName]]));
}
