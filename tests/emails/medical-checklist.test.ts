/**
 * The medical content checklist (emails/knee-pain/REVIEW.md) as tests: what a reviewer signed off
 * must stay in the rendered emails, in the HTML a reader sees and in the plain-text part.
 */
import { describe, expect, it } from 'vitest';
import { course, type EmailId, emailIds } from '../../functions/core/course.js';
import { renderEmail, sampleVariables } from '../../functions/core/render.js';

/** The words a reader sees in the HTML part: no preheader, no tags, entities decoded. */
function visibleText(html: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };
  return html
    .replace(/<head>[\s\S]*?<\/head>/, ' ')
    .replace(/<div style="display:none;[^"]*">[\s\S]*?<\/div>/, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name: string) => entities[name] as string)
    .replace(/\s+/g, ' ');
}

/** Both renderings of an email, flattened to one line each. */
function partsOf(id: EmailId, vars: Record<string, string> = {}): Record<'html' | 'text', string> {
  const email = renderEmail(id, { ...sampleVariables(id), ...vars });
  return { html: visibleText(email.html), text: email.text.replace(/\s+/g, ' ') };
}

const RED_FLAGS = {
  emergency: {
    'calf pain or swelling with breathlessness or chest pain': /calf[^.;]*breathless[^.;]*chest pain/i,
    'a knee that cannot bear weight after an injury': /cannot bear (your )?weight/i,
  },
  sameDay: {
    'a hot, red, swollen knee': /hot, red, swollen knee/i,
    fever: /fever/i,
    'a swollen, warm, tender calf, which can be a blood clot': /swollen, warm, tender calf[^.;]*blood clot/i,
  },
  soon: {
    locking: /\block(s|ing)\b/i,
    'giving way': /\bgiv(es|ing) way\b/i,
    'swelling after a twist': /swelling after a twist/i,
    'night pain': /pain at night/i,
    'pain not easing after two or three weeks': /not eas(ed|ing) after two or three weeks/i,
    'numbness or tingling': /numbness or tingling/i,
  },
} as const;

const CHILDREN = /children and teenagers with knee pain or a limp[^.]*doctor[^.]*hip/i;

/** Where each urgency starts in the list: the labels of the full list and of the recap. */
const LEVELS = [/emergency/i, /doctor the same day/i, /physiotherapist soon/i, /children and teenagers/i];

/** The text of each urgency level of the red-flag list that starts at `start`. */
function levelsOf(text: string, start: RegExp): string[] {
  const from = text.search(start);
  expect(from, `no "${start.source}"`).toBeGreaterThanOrEqual(0);
  const at: number[] = [];
  for (const label of LEVELS) {
    const index = text.slice(from).search(label);
    expect(index, `no "${label.source}" after "${start.source}"`).toBeGreaterThanOrEqual(0);
    at.push(from + index);
  }
  expect(
    [...at].sort((a, b) => a - b),
    'urgency levels out of order',
  ).toEqual(at);
  return [text.slice(at[0], at[1]), text.slice(at[1], at[2]), text.slice(at[2], at[3])];
}

function expectGradedRedFlags(text: string, start: RegExp): void {
  const [emergency, sameDay, soon] = levelsOf(text, start);
  const missing = [
    ...Object.entries(RED_FLAGS.emergency).filter(([, p]) => !p.test(emergency as string)),
    ...Object.entries(RED_FLAGS.sameDay).filter(([, p]) => !p.test(sameDay as string)),
    ...Object.entries(RED_FLAGS.soon).filter(([, p]) => !p.test(soon as string)),
  ].map(([name]) => name);
  expect(missing).toEqual([]);
  expect(text).toMatch(CHILDREN);
}

describe('the course under review', () => {
  it('is the knee pain course, emails/knee-pain/', () => {
    expect(course.id).toBe('knee-pain');
  });
});

describe.each(['html', 'text'] as const)('the %s part', (part) => {
  const of = (id: EmailId, vars?: Record<string, string>) => partsOf(id, vars)[part];

  describe('red flags', () => {
    it('lesson 1 lists every red flag, graded emergency / same day / soon, before any technique', () => {
      const text = of('lesson-1');
      expectGradedRedFlags(text, /When to see a doctor first/);
      const list = text.search(/When to see a doctor first/);
      expect(list).toBeLessThan(text.search(/Try this today/));
      expect(list).toBeLessThan(text.search(/The front of the thigh/));
    });

    it('lesson 5, on getting help, lists them all again', () => {
      expectGradedRedFlags(of('lesson-5'), /When to see a doctor first/);
    });

    it('the closing recap names every red flag, graded, and the advice for children', () => {
      expectGradedRedFlags(of('complete'), /The warning signs, to keep/);
    });

    it.each(['lesson-3', 'lesson-4'] as const)(
      '%s reminds the reader of them in one line, before the technique',
      (id) => {
        const text = of(id);
        const reminder =
          /Check first: if you have a warning sign from lesson 1[^.]*see a doctor before you try this\./.exec(
            text,
          );
        expect(reminder).not.toBeNull();
        expect(reminder?.[0]).toMatch(/swollen, tender calf/);
        expect(reminder?.[0]).toMatch(/locks or gives way/);
        expect(reminder?.index).toBeLessThan(text.search(/How to roll your quads|What is a trigger point/));
      },
    );

    it('the confirmation tells adults where the warning signs are, and children to see a doctor', () => {
      const text = of('confirm');
      expect(text).toContain('Lesson 1 starts with the warning signs');
      expect(text).toMatch(/Children and teenagers with knee pain or a limp should see a doctor/);
    });
  });

  it.each(emailIds)('%s carries the disclaimer: not medical advice, see a doctor', (id) => {
    const text = of(id);
    expect(text).toContain('It is not medical advice and cannot diagnose you.');
    expect(text).toMatch(/please see a doctor/);
  });

  it.each(['lesson-5', 'complete'] as const)("%s leads to the clinic's booking page", (id) => {
    const text = of(id, { bookingUrl: 'https://book.clinic.example/knee' });
    const email = renderEmail(id, { ...sampleVariables(id), bookingUrl: 'https://book.clinic.example/knee' });
    expect(text).toContain('Book an appointment');
    expect(email.html).toMatch(
      /<a href="https:\/\/book\.clinic\.example\/knee"[^>]*>\s*Book an appointment\s*<\/a>/,
    );
    expect(email.text.replace(/\s+/g, ' ')).toContain(
      'Book an appointment (https://book.clinic.example/knee)',
    );
  });

  it.each(['lesson-1', 'lesson-5', 'complete'] as const)(
    '%s invites the reader to reply with questions',
    (id) => {
      expect(of(id)).toMatch(/Questions[^.?]*\? Just reply to this email/);
    },
  );

  describe('wording the evidence supports', () => {
    it('says "may" where the evidence is uncertain: kneecap tracking, sitting and the hip muscles', () => {
      expect(of('lesson-1')).toMatch(/the kneecap may not glide/);
      expect(of('lesson-2')).toMatch(/sitting may keep both of them short/);
    });

    it('names the TFL as one of two muscles that tension the IT band, the gluteus maximus the other', () => {
      expect(of('lesson-1')).toMatch(/Two muscles pull on the band[^.]*gluteus maximus[^.]*TFL/);
      expect(of('lesson-4')).toMatch(/The TFL is one of the two muscles that tighten the IT band/);
      expect(of('complete')).toMatch(/TFL at the hip and the gluteus maximus set its tension/);
    });

    it('says exercise and stretching help some medical causes, instead of "massage will not fix these"', () => {
      expect(of('lesson-1')).toMatch(/strengthening is among the best-proven helps for knee arthritis/);
      expect(of('lesson-1')).toMatch(/stretching is part of the usual care for Osgood-Schlatter/);
    });

    it('explains normal outer heel wear, and tells the outer thigh from the IT band', () => {
      expect(of('lesson-2')).toMatch(/wear at the outer back edge of the heel is normal/);
      expect(of('lesson-3')).toMatch(/Stay on the front half of the thigh: the IT band runs down the side/);
    });

    it('gives a cue for finding the TFL that the reader can feel', () => {
      expect(of('lesson-4')).toMatch(
        /turn your whole leg inwards[^.]*the muscle under your fingers firms up/,
      );
    });

    it('presents trigger points as a useful idea, not settled science', () => {
      expect(of('lesson-4')).toMatch(/Researchers still debate[^.]*rather than settled science/);
    });

    it('names physiotherapy and strengthening as best-evidenced, and craniosacral evidence as limited', () => {
      const text = of('lesson-5');
      expect(text).toMatch(
        /Physiotherapy and strengthening exercise ?: the best-evidenced help for pain at the front of the knee and for knee arthritis/,
      );
      expect(text).toMatch(/Craniosacral therapy ?:[\s\S]*?evidence that it helps the knee is limited/);
    });

    it.each(emailIds)('%s makes none of the claims a reviewer struck out', (id) => {
      const text = of(id);
      for (const claim of [
        /will not fix/i,
        /treats? the (whole person|emotional)/i,
        /realign/i,
        /(correct|fix)\w* (a |your )?(tilted )?pelvis/i,
        /you (have )?(read|finished|completed) (all|every)/i,
      ]) {
        expect(text).not.toMatch(claim);
      }
    });
  });
});
