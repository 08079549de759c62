/**
 * Fills the emails compiled at build time (see scripts/build-emails.ts). Each template
 * is split into static parts once, on its first render, so a render is a few string joins.
 */

import {
  type CompiledEmail,
  compiledEmails,
  confirmationEmails,
  sequenceEmails,
  urlVariables,
  variableRules,
} from '#course';
import { course, type EmailId } from './course.js';
import { TemplateVariableError } from './errors.js';

/** A rendered email, ready for a Mailer. */
export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** A template split around its placeholders: `statics.length === names.length + 1`. */
interface Template {
  readonly statics: readonly string[];
  readonly names: readonly string[];
}

/** A template cut at its sections: a part with a guard shows only when that variable is set. */
type Parts = readonly { readonly guard?: string; readonly template: Template }[];

/** The checks beyond URLs (scripts/build-emails.ts writes them from emails/catalog.ts). */
export interface VariableRules {
  /** `#rrggbb` only: these reach style attributes. */
  readonly color: readonly string[];
  /** Whole numbers only: these reach width and height attributes. */
  readonly pixels: readonly string[];
  /** May be '': the sections they guard are then left out. */
  readonly optional: readonly string[];
}

interface Prepared {
  readonly subject: Template;
  readonly html: Parts;
  readonly text: Parts;
  readonly variables: readonly string[];
  readonly sample: Readonly<Record<string, string>>;
}

/** Renders and describes a set of compiled emails. */
export interface EmailRenderer {
  render(id: string, vars: Record<string, string>): RenderedEmail;
  variables(id: string): readonly string[];
  sample(id: string): Record<string, string>;
}

function sections(template: string): Parts {
  const parts: { guard?: string; template: Template }[] = [];
  let last = 0;
  for (const match of template.matchAll(/\{\{#([A-Za-z][A-Za-z0-9]*)\}\}([\s\S]*?)\{\{\/\1\}\}/g)) {
    parts.push({ template: split(template.slice(last, match.index)) });
    parts.push({ guard: match[1] as string, template: split(match[2] as string) });
    last = match.index + match[0].length;
  }
  parts.push({ template: split(template.slice(last)) });
  return parts;
}

function fillParts(parts: Parts, values: Readonly<Record<string, string>>): string {
  let out = '';
  for (const part of parts) if (!part.guard || values[part.guard]) out += fill(part.template, values);
  return out;
}

const hexColor = /^#[0-9a-fA-F]{6}$/;
const pixels = /^[1-9]\d{0,3}$/;

function split(template: string): Template {
  const parts = template.split(/\{\{([A-Za-z][A-Za-z0-9]*)\}\}/);
  return {
    statics: parts.filter((_, i) => i % 2 === 0),
    names: parts.filter((_, i) => i % 2 === 1),
  };
}

function fill(template: Template, values: Readonly<Record<string, string>>): string {
  const { statics, names } = template;
  let out = statics[0] as string;
  for (let i = 0; i < names.length; i++) out += (values[names[i] as string] as string) + statics[i + 1];
  return out;
}

const htmlSpecial = /[&<>"']/;
const htmlEntities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in element content and in quoted attributes (href included). */
function escapeHtml(value: string): string {
  return htmlSpecial.test(value) ? value.replace(/[&<>"']/g, (c) => htmlEntities[c] as string) : value;
}

// Line breaks in a value could start a new header line or forge lines in the text part.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const controlChars = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

function singleLine(value: string): string {
  return value.replace(controlChars, ' ');
}

function isHttpUrl(value: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value);
}

/**
 * Builds a renderer over compiled emails. The module's own `renderEmail` uses the emails
 * from `npm run build`; tests can pass their own.
 */
export function createRenderer(
  emails: Readonly<Record<string, CompiledEmail>>,
  urls: readonly string[] = urlVariables,
  rules: VariableRules = variableRules,
): EmailRenderer {
  const prepared = new Map<string, Prepared>();
  const urlSet = new Set(urls);
  const colorSet = new Set(rules.color);
  const pixelSet = new Set(rules.pixels);
  const optionalSet = new Set(rules.optional);

  function get(id: string): Prepared {
    const ready = prepared.get(id);
    if (ready) return ready;
    const email = Object.hasOwn(emails, id) ? emails[id] : undefined;
    if (!email) throw new TemplateVariableError(`No email template "${id}"`);
    const fresh: Prepared = {
      subject: split(email.subject),
      html: sections(email.html),
      text: sections(email.text),
      variables: email.variables,
      sample: email.sample,
    };
    prepared.set(id, fresh);
    return fresh;
  }

  return {
    render(id, vars) {
      const email = get(id);
      for (const name of Object.keys(vars)) {
        if (!email.variables.includes(name)) {
          throw new TemplateVariableError(`Email "${id}" has no variable "${name}"`);
        }
      }
      const plain: Record<string, string> = {};
      const escaped: Record<string, string> = {};
      for (const name of email.variables) {
        const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
        if (typeof value !== 'string')
          throw new TemplateVariableError(`Email "${id}" needs variable "${name}"`);
        if (value === '' && optionalSet.has(name)) {
          plain[name] = '';
          escaped[name] = '';
          continue;
        }
        if (urlSet.has(name) && !isHttpUrl(value)) {
          throw new TemplateVariableError(`Email "${id}": "${name}" must be an http(s) URL`);
        }
        if (colorSet.has(name) && !hexColor.test(value)) {
          throw new TemplateVariableError(`Email "${id}": "${name}" must be a #rrggbb colour`);
        }
        if (pixelSet.has(name) && !pixels.test(value)) {
          throw new TemplateVariableError(`Email "${id}": "${name}" must be a whole number of pixels`);
        }
        const line = singleLine(value);
        plain[name] = line;
        escaped[name] = escapeHtml(line);
      }
      return {
        subject: fill(email.subject, plain),
        html: fillParts(email.html, escaped),
        text: fillParts(email.text, plain),
      };
    },
    variables: (id) => get(id).variables,
    sample: (id) => ({ ...get(id).sample }),
  };
}

// Pure: a bundle that never calls a renderer below leaves it, and its emails, out. The API
// then carries the confirmation only and the sender the sequence only.
const everyEmail = /* @__PURE__ */ createRenderer(compiledEmails);
const confirmation = /* @__PURE__ */ createRenderer(confirmationEmails);
const sequence = /* @__PURE__ */ createRenderer(sequenceEmails);

/**
 * Renders one email. Values are HTML-escaped in the HTML part, kept verbatim in the text
 * part, and have control characters (CR/LF included) replaced by spaces everywhere.
 * @throws TemplateVariableError when a variable is missing or unknown, or a URL variable is not http(s).
 */
export function renderEmail(id: EmailId, vars: Record<string, string>): RenderedEmail {
  return everyEmail.render(id, vars);
}

/** Renders the confirmation email, as {@link renderEmail} does. */
export function renderConfirmationEmail(vars: Record<string, string>): RenderedEmail {
  return confirmation.render(course.confirmation.id, vars);
}

/**
 * Renders a lesson or the closing email, as {@link renderEmail} does.
 * @throws TemplateVariableError also for the confirmation, which is not part of the sequence.
 */
export function renderSequenceEmail(id: EmailId, vars: Record<string, string>): RenderedEmail {
  return sequence.render(id, vars);
}

/** The variable names a lesson or the closing email needs, exactly. */
export function sequenceEmailVariables(id: EmailId): readonly string[] {
  return sequence.variables(id);
}

/** The variable names the confirmation email needs, exactly. */
export function confirmationEmailVariables(): readonly string[] {
  return confirmation.variables(course.confirmation.id);
}

/** The variable names an email needs, exactly. */
export function emailVariables(id: EmailId): readonly string[] {
  return everyEmail.variables(id);
}

/** Sample values for an email's variables (tests, preview, local stack). */
export function sampleVariables(id: EmailId): Record<string, string> {
  return everyEmail.sample(id);
}
