/**
 * What the sign-up API accepts, as zod schemas. Messages are written for the person at
 * the form: the pages show them as they are.
 */
import { domainToASCII } from 'node:url';
import * as z from 'zod/mini';

/** RFC 5321 caps a forward path at 256 octets including the angle brackets. */
export const MAX_EMAIL_LENGTH = 254;
/** RFC 5321: the local part (before the @) is at most 64 octets. */
export const MAX_LOCAL_PART_LENGTH = 64;
export const MAX_FIRST_NAME_LENGTH = 80;
/** Requests with a larger body get 413 before anything is parsed. */
export const MAX_BODY_BYTES = 10 * 1024;

export const messages = {
  missingEmail: 'Enter your email address.',
  multipleEmails: 'Enter just one email address.',
  emailTooLong: `That email address is too long (at most ${MAX_EMAIL_LENGTH} characters).`,
  localPartTooLong: `The part before the @ is too long (at most ${MAX_LOCAL_PART_LENGTH} characters).`,
  invalidEmail: 'Enter a valid email address, like name@example.com.',
  firstNameTooLong: `Keep your first name to ${MAX_FIRST_NAME_LENGTH} characters or fewer.`,
  firstNameCharacters: 'Your first name cannot contain line breaks or the characters < and >.',
  firstNameLink: 'Your first name cannot contain a web or email address.',
  notText: 'This field must be text.',
} as const;

// Separators people use between several addresses; none is valid in an unquoted address.
const listSeparator = /[,;\s]/;
// Line breaks (incl. Unicode line/paragraph separators), other control characters, and the
// angle brackets of markup. Names never need them; rejecting is clearer than silently
// stripping, and it keeps header and HTML injection out of every email greeting.
// Bidi embeddings, overrides and isolates are invisible and can make the greeting display
// text in another order than it is written.
const forbiddenInName = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069<>]/u;
// The name is greeted in a confirmation email that goes to whatever address was typed, and
// mail clients turn text like `example.com/win` into a link: anyone could otherwise have the
// clinic send a link of their choosing to anyone. Names need no scheme, @ or domain.
// Checked after NFKC, which turns full-width `ｅｖｉｌ．ｃｏｍ` and `＠` into ASCII; the
// ideographic full stop `。` (which NFKC keeps, and mail clients link like a dot) is a dot too.
const linkInName = /:\/\/|@|www[.\u3002]|[\p{L}\p{N}][.\u3002]\p{L}{2,}/iu;

const text = (missing?: string) =>
  z.string({ error: (issue) => (issue.input === undefined && missing ? missing : messages.notText) });

// RFC 5322 atext: what an unquoted local part may hold, in dot-separated runs. Quoted local
// parts and IP-literal domains are refused: mail providers do not hand them out.
const dotAtom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// A DNS label (letters, digits, hyphens inside); the top-level one all letters or punycode.
const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const topLevel = /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/i;

/**
 * The address as SES takes it: the domain in ASCII (an internationalised domain becomes
 * punycode, `пример.рф` -> `xn--e1afmkfd.xn--p1ai`), or undefined when it is not one.
 */
export function asciiAddress(value: string): string | undefined {
  const at = value.lastIndexOf('@');
  if (at < 1) return undefined;
  const local = value.slice(0, at);
  const domain = domainToASCII(value.slice(at + 1));
  if (!dotAtom.test(local) || !domain || domain.length > 253) return undefined;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => label.test(l)) || !topLevel.test(labels.at(-1) ?? '')) {
    return undefined;
  }
  return `${local}@${domain}`;
}

const emailField = z.pipe(
  text(messages.missingEmail).check(
    z.trim(),
    z.minLength(1, messages.missingEmail),
    z.maxLength(MAX_EMAIL_LENGTH, { error: messages.emailTooLong, abort: true }),
    z.refine((v: string) => !listSeparator.test(v), { error: messages.multipleEmails, abort: true }),
    z.refine((v: string) => v.lastIndexOf('@') <= MAX_LOCAL_PART_LENGTH, {
      error: messages.localPartTooLong,
      abort: true,
    }),
    z.refine((v: string) => asciiAddress(v) !== undefined, { error: messages.invalidEmail, abort: true }),
  ),
  z.pipe(
    z.transform((v: string) => asciiAddress(v) as string),
    // Punycode is longer than the Unicode it spells: the limit holds for what SES gets.
    text().check(z.maxLength(MAX_EMAIL_LENGTH, { error: messages.emailTooLong })),
  ),
);

/** Optional first name: trimmed, empty means none. */
const firstNameField = z.optional(
  z.pipe(
    text().check(
      // NFKC first, so the checks and the greeting see the same letters: the stored name is this.
      z.overwrite((v: string) => v.normalize('NFKC')),
      z.trim(),
      z.maxLength(MAX_FIRST_NAME_LENGTH, { error: messages.firstNameTooLong, abort: true }),
      z.refine((v: string) => !forbiddenInName.test(v), { error: messages.firstNameCharacters, abort: true }),
      z.refine((v: string) => !linkInName.test(v), { error: messages.firstNameLink }),
    ),
    z.transform((v: string) => (v === '' ? undefined : v)),
  ),
);

/**
 * The browser's IANA zone. Any text is accepted here: an unknown zone falls back to the
 * course default later, because a browser may know zones this runtime's ICU data lacks,
 * and a sign-up should not fail over when a lesson arrives.
 */
const timeZoneField = z.catch(z.optional(text().check(z.trim(), z.maxLength(100))), undefined);

/** The honeypot: a field hidden from people that form-filling bots complete. */
export const HONEYPOT_FIELD = 'website';

const signupShape = {
  email: emailField,
  firstName: firstNameField,
  timeZone: timeZoneField,
  [HONEYPOT_FIELD]: z.optional(text()),
  /** URL of the page the form sits on (proof of consent); checked and cleaned later. */
  source: z.optional(text()),
};

/** JSON sign-ups are from code: an unknown field is a mistake worth a 400. */
export const signupJsonSchema = z.strictObject(signupShape, {
  error: (issue) => (issue.code === 'invalid_type' ? 'Send a JSON object with an email field.' : undefined),
});

/** Form sign-ups may carry extra fields (a submit button's name, a site's own fields): ignored. */
export const signupFormSchema = z.object(signupShape);

export type SignupFields = z.output<typeof signupJsonSchema>;

/** A signed link token: URL-safe characters only, sensible length. */
export const tokenSchema = z.string().check(z.minLength(1), z.maxLength(1024), z.regex(/^[A-Za-z0-9_.~-]+$/));

/** The first problem of a failed parse, with the field it concerns ('' for the whole body). */
export function firstIssue(error: z.core.$ZodError): { field: string; message: string; code: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '', message: 'The request is not valid.', code: 'invalid_body' };
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.slice(0, 5).map((k) => k.slice(0, 40));
    return { field: '', message: `Unknown field: ${keys.join(', ')}.`, code: 'unknown_field' };
  }
  const field = String(issue.path[0] ?? '');
  const code =
    field === 'email' ? 'invalid_email' : field === 'firstName' ? 'invalid_first_name' : 'invalid_body';
  return { field, message: issue.message, code };
}
