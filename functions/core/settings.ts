/**
 * What a clinic configures, as the core needs it at run time. Handlers build it from
 * the environment (see functions/wiring.ts); `npm start` and tests build it directly.
 */
export interface CourseSettings {
  readonly clinicName: string;
  /** Postal address printed in every email footer (anti-spam laws require one). */
  readonly postalAddress: string;
  /** The clinic's own website (the clinic's name links to it in every email). */
  readonly siteUrl: string;
  /** Where "Book an appointment" leads; {@link bookingLink} falls back to `siteUrl`. */
  readonly bookingUrl?: string;
  /** Public base URL of the sign-up API, without a trailing slash; links point here. */
  readonly publicBaseUrl: string;
  readonly fromAddress: string;
  readonly fromName: string;
  readonly replyTo?: string;
  /** Local hour (0-23) at which lessons go out in the subscriber's time zone. @default 8 */
  readonly sendHour: number;
  /** IANA zone used when the browser sent none or an unknown one. @default 'Europe/London' */
  readonly defaultTimeZone: string;
  /** Origins allowed to post the form from another site (CORS). */
  readonly allowedOrigins: readonly string[];
  /** SES counts opens (a pixel) and clicks (rewritten links); the privacy line says so. @default false */
  readonly trackOpensAndClicks?: boolean;
  /** Days the data of people who finished or left is kept; the privacy line says so. @default 365 */
  readonly retentionDays?: number;
  /** The clinic's logo (https), drawn at a fixed size in CSS pixels on every page and email. */
  readonly logo?: { readonly url: string; readonly width: number; readonly height: number };
  /** `#rrggbb` of buttons and headings, 4.5:1 against white (checked by the config). @default DEFAULT_ACCENT_COLOR */
  readonly accentColor?: string;
  readonly phone?: string;
  /** Who writes the course, with credentials; signs the emails and stands by the form. */
  readonly practitioner?: string;
  /** The clinic's privacy policy, linked beside the consent text and in every email. */
  readonly privacyPolicyUrl?: string;
}

/** The accent when the clinic sets none: 7.5:1 against white. */
export const DEFAULT_ACCENT_COLOR = '#1f5e57';

/** A colour safe to put in a style attribute: `#rrggbb` and nothing else. */
export const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/** The clinic's accent, or the default when it is absent or not a plain `#rrggbb`. */
export function accentColorOf(settings: Pick<CourseSettings, 'accentColor'>): string {
  const color = settings.accentColor;
  return color && HEX_COLOR.test(color) ? color.toLowerCase() : DEFAULT_ACCENT_COLOR;
}

/** Sample settings for tests, previews and the local stack. */
export const sampleSettings: CourseSettings = {
  clinicName: 'Riverside Massage & Bodywork',
  postalAddress: '12 Mill Lane, Riverside, RS1 2AB, United Kingdom',
  siteUrl: 'https://clinic.example',
  bookingUrl: 'https://clinic.example/book',
  publicBaseUrl: 'http://localhost:3000',
  fromAddress: 'course@clinic.example',
  fromName: 'Riverside Massage & Bodywork',
  replyTo: 'hello@clinic.example',
  sendHour: 8,
  defaultTimeZone: 'Europe/London',
  allowedOrigins: ['https://clinic.example'],
};

/** The booking page the emails link to: the configured one, else the clinic's site. */
export function bookingLink(settings: Pick<CourseSettings, 'siteUrl' | 'bookingUrl'>): string {
  return settings.bookingUrl ?? settings.siteUrl;
}

/** The clinic's details as email variables: one list for the sender, the previews and test sends. */
export function clinicVariables(settings: CourseSettings): Record<string, string> {
  return {
    clinicName: settings.clinicName,
    postalAddress: settings.postalAddress,
    siteUrl: settings.siteUrl,
    bookingUrl: bookingLink(settings),
    // The brand: '' for what is not set, and the emails leave that part out.
    accentColor: accentColorOf(settings),
    logoUrl: settings.logo?.url ?? '',
    logoWidth: settings.logo ? String(settings.logo.width) : '',
    logoHeight: settings.logo ? String(settings.logo.height) : '',
    phone: settings.phone ?? '',
    practitioner: settings.practitioner ?? '',
    privacyPolicyUrl: settings.privacyPolicyUrl ?? '',
  };
}
