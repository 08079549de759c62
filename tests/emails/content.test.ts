import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { course, type EmailId } from '../../functions/core/course.js';
import { renderEmail, sampleVariables } from '../../functions/core/render.js';

function textOf(id: EmailId): string {
  return renderEmail(id, sampleVariables(id)).text.replace(/\s+/g, ' ');
}

function htmlOf(id: EmailId): string {
  return renderEmail(id, sampleVariables(id)).html;
}

function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replaceAll('’', "'")
      .replace(/\(https?:\/\/[^)]*\)/g, ' ')
      .match(/[a-z0-9][a-z0-9'’-]*/g) ?? []
  );
}

/** What each lesson must teach: terms from the source article, checked case-insensitively. */
const keyFacts: Record<string, readonly string[]> = {
  'lesson-1': [
    'quadriceps',
    'kneecap',
    'walk',
    'squat',
    'stairs',
    'iliotibial band',
    'connective tissue',
    'cannot be stretched',
    'TFL',
    'tensor fasciae latae',
    'gluteus maximus',
    'outside of the knee',
    'bursitis',
    'arthritis',
    "Baker's cyst",
    'Osgood-Schlatter',
    'doctor',
  ],
  'lesson-2': [
    'hips',
    'body weight',
    'psoas',
    'iliacus',
    'valgus',
    'varus',
    'ligament',
    'feet',
    'ankles',
    'shoe wear',
    'weight is spread unevenly',
  ],
  'lesson-3': [
    'foam roller',
    'quads',
    'body weight',
    'slowly',
    'tender spot',
    'pause',
    'how long',
    '1–2 minutes per leg',
    'never roll the ITB',
    'knee joint',
    'bone',
    'sharp',
    'stop',
  ],
  'lesson-4': [
    'TFL',
    'golf ball',
    'trigger point ball',
    'knot',
    'hold the pressure',
    'breathe',
    'release',
    'bruises',
    'veins',
    'numbness',
    'gentle',
  ],
  'lesson-5': [
    'swelling',
    'locks',
    'gives way',
    'bear your weight',
    'fever',
    'hot, red',
    'fall',
    'doctor',
    'physiotherap',
    'strengthening exercise',
    'remedial massage',
    'chiropractic',
    'hip alignment',
    'psoas',
    'craniosacral',
    'gentle',
    'emotional',
    'book an appointment',
    'Riverside Massage & Bodywork',
  ],
};

describe('the course under review', () => {
  it('is the knee pain course, emails/knee-pain/', () => {
    expect(course.id).toBe('knee-pain');
  });
});

describe('lessons', () => {
  it.each(Object.entries(keyFacts))('%s teaches its key facts', (id, terms) => {
    const text = textOf(id as EmailId).toLowerCase();
    const missing = terms.filter((term) => !text.includes(term.toLowerCase()));
    expect(missing).toEqual([]);
  });

  it.each(course.sequence.map((e) => e.id).filter((id) => id.startsWith('lesson-')))(
    '%s is 300 to 700 words long',
    (id) => {
      const count = words(textOf(id)).length;
      expect(count).toBeGreaterThanOrEqual(300);
      expect(count).toBeLessThanOrEqual(700);
    },
  );

  it.each(['lesson-1', 'lesson-2', 'lesson-3', 'lesson-4', 'lesson-5'] as const)(
    '%s gives one clear "Try this today" step',
    (id) => {
      expect(textOf(id).match(/Try this today:/g)).toHaveLength(1);
    },
  );

  it.each(['lesson-1', 'lesson-2', 'lesson-3', 'lesson-4', 'lesson-5'] as const)(
    '%s says which lesson it is and what it covers',
    (id) => {
      const n = id.slice(-1);
      expect(textOf(id)).toContain(`Lesson ${n} of 5`);
    },
  );

  it("invites readers to book, linking to the clinic's booking page", () => {
    expect(htmlOf('lesson-5')).toMatch(
      /<a\s+href="https:\/\/clinic\.example\/book"[^>]*>\s*Book an appointment\s*<\/a>/,
    );
  });
});

describe('confirmation email', () => {
  const text = textOf('confirm');

  it('says what to expect: five lessons every two days, a recap, unsubscribe any time', () => {
    expect(text).toContain('Five short lessons, one every two days');
    expect(text).toContain('recap');
    expect(text).toMatch(/unsubscribe at any time/i);
  });

  it('says what to have at hand: a foam roller or rolling pin, and a tennis or golf ball', () => {
    expect(text).toContain('a foam roller (or a rolling pin) and a tennis or golf ball');
  });

  it('has a single button to the confirmation link', () => {
    const html = htmlOf('confirm');
    expect(html.match(/href="http:\/\/localhost:3000\/confirm\?token=sample-confirm-token"/g)).toHaveLength(
      1,
    );
    expect(text).toContain(
      'Yes, send me the course (http://localhost:3000/confirm?token=sample-confirm-token)',
    );
  });
});

describe('closing email', () => {
  const text = textOf('complete');

  it('recaps all five lessons', () => {
    for (const topic of ['Causes.', 'Alignment.', 'Foam rolling.', 'Trigger points.', 'Getting help.']) {
      expect(text).toContain(topic);
    }
    for (const term of [
      'iliotibial band',
      'psoas',
      'valgus',
      'never roll the ITB',
      'golf ball',
      'craniosacral',
    ]) {
      expect(text.toLowerCase()).toContain(term.toLowerCase());
    }
  });

  it('says where to go next: keep practising, or book', () => {
    expect(text).toContain('Keep practising.');
    expect(text).toContain('Book an appointment (https://clinic.example/book)');
    expect(text).toContain('last email of the course');
  });

  it('does not claim the reader read every lesson (it goes to everyone who stayed subscribed)', () => {
    expect(text).not.toMatch(/you (have )?(read|finished|completed) (all|every)/i);
    expect(text).not.toMatch(/everything you learned/i);
  });
});

describe('originality', () => {
  // Fingerprints of the source article's six-word runs, so the repo need not carry its text.
  const fixture = JSON.parse(
    readFileSync(join(import.meta.dirname, '../fixtures/source-article-shingles.json'), 'utf8'),
  ) as { shingle: number; hashes: string[] };
  const articleRuns = new Set(fixture.hashes);
  const shingle = fixture.shingle;
  const fingerprint = (run: string) => createHash('sha256').update(run).digest('hex').slice(0, 16);
  // The course title is the one phrase shared on purpose.
  const title = words(course.title).join(' ');

  it.each(['confirm', ...course.sequence.map((e) => e.id)] as EmailId[])(
    '%s is written in its own words, never copying a run of six words from the source article',
    (id) => {
      const text = words(textOf(id)).join(' ').replaceAll(title, ' ');
      const own = text.split(' ').filter(Boolean);
      const copied: string[] = [];
      for (let i = 0; i + shingle <= own.length; i++) {
        const run = own.slice(i, i + shingle).join(' ');
        if (articleRuns.has(fingerprint(run))) copied.push(run);
      }
      expect(copied).toEqual([]);
    },
  );
});
