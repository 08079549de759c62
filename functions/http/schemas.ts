/**
 * What the sign-up API accepts, as zod schemas. Messages are written for the person at
 * the form: the pages show them as they are.
 */
import * as z from 'zod/mini';

/** RFC 5321 caps a forward path at 256 octets including the angle brackets. */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_FIRST_NAME_LENGTH = 80;
/** Requests with a larger body get 413 before anything is parsed. */
export const MAX_BODY_BYTES = 10 * 1024;

export const messages = {
  missingEmail: 'Enter your email address.',
  multipleEmails: 'Enter just one email address.',
  emailTooLong: `That email address is too long (at most ${MAX_EMAIL_LENGTH} characters).`,
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
const linkInName = /:\/\/|@|www\.|[\p{L}\p{N}]\.\p{L}{2,}/iu;

const text = (missing?: string) =>
  z.string({ error: (issue) => (issue.input === undefined && missing ? missing : messages.notText) });

const emailField = z.pipe(
  text(messages.missingEmail).check(
    z.trim(),
    z.minLength(1, messages.missingEmail),
    z.maxLength(MAX_EMAIL_LENGTH, { error: messages.emailTooLong, abort: true }),
    z.refine((v: string) => !listSeparator.test(v), { error: messages.multipleEmails, abort: true }),
  ),
  z.email({ error: messages.invalidEmail }),
);

/** Optional first name: trimmed, empty means none. */
const firstNameField = z.optional(
  z.pipe(
    text().check(
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
