/** Checking command-line values before anything connects: a bad one is a usage error (exit 2). */
import { z } from 'zod';
import { type EmailId, emailIds } from '../../functions/core/course.js';
import { normaliseEmail } from '../../functions/core/identity.js';
import { UsageError } from './errors.js';

const emailSchema = z.email();

/** Normalises the address the way sign-up does; a malformed one is a usage error. */
export function parseAddress(raw: string, command: string): string {
  const email = normaliseEmail(raw);
  if (!emailSchema.safeParse(email).success) {
    throw new UsageError(`"${raw}" is not a valid email address`, command);
  }
  return email;
}

/** Checks an email id against the course; an unknown one lists the valid ids. */
export function parseEmailId(raw: string, command: string): EmailId {
  if ((emailIds as readonly string[]).includes(raw)) return raw as EmailId;
  throw new UsageError(`Unknown email id "${raw}". Valid ids: ${emailIds.join(', ')}`, command);
}

const courseId = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A course id given on the command line, checked before anything is written. */
export function parseCourseId(raw: string, command: string): string {
  if (!courseId.test(raw) || raw.length > 40) {
    throw new UsageError(
      `"${raw}" is not a course id: lower-case letters, digits and single dashes, up to 40, like back-pain`,
      command,
    );
  }
  return raw;
}
