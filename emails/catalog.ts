/**
 * What each email needs at send time, and the sample values that tests and the preview
 * fill it with. The build checks each template uses exactly the variables listed here.
 */
import type { EmailId } from '../functions/core/course.js';
import { bookingLink, sampleSettings } from '../functions/core/settings.js';

/**
 * Every variable a template may use. `url` values go into `href` attributes, so they must
 * be http(s) URLs; `text` values are escaped and may never sit inside an attribute URL.
 */
export const variableKinds = {
  firstName: 'text',
  clinicName: 'text',
  postalAddress: 'text',
  siteUrl: 'url',
  bookingUrl: 'url',
  confirmUrl: 'url',
  unsubscribeUrl: 'url',
} as const;

export type VariableName = keyof typeof variableKinds;

const everyEmail = ['firstName', 'clinicName', 'postalAddress', 'siteUrl'] as const satisfies VariableName[];
const sequenceEmail = [...everyEmail, 'unsubscribeUrl'] as const satisfies VariableName[];
/** The emails with a "Book an appointment" button. */
const bookingEmail = [...sequenceEmail, 'bookingUrl'] as const satisfies VariableName[];

/** Variables per email, in a stable order. */
export const emailCatalog: Record<EmailId, readonly VariableName[]> = {
  confirm: [...everyEmail, 'confirmUrl'],
  'lesson-1': sequenceEmail,
  'lesson-2': sequenceEmail,
  'lesson-3': sequenceEmail,
  'lesson-4': sequenceEmail,
  'lesson-5': bookingEmail,
  complete: bookingEmail,
};

/** One sample value per variable; each email takes the ones it declares. */
export const sampleValues: Record<VariableName, string> = {
  firstName: 'Sam',
  clinicName: sampleSettings.clinicName,
  postalAddress: sampleSettings.postalAddress,
  siteUrl: sampleSettings.siteUrl,
  bookingUrl: bookingLink(sampleSettings),
  confirmUrl: `${sampleSettings.publicBaseUrl}/confirm?token=sample-confirm-token`,
  unsubscribeUrl: `${sampleSettings.publicBaseUrl}/unsubscribe?token=sample-unsubscribe-token`,
};

/** The sample variables of one email. */
export function sampleFor(id: EmailId): Record<string, string> {
  return Object.fromEntries(emailCatalog[id].map((name) => [name, sampleValues[name]]));
}
