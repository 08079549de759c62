/**
 * Runs on every course (vitest.config.ts): the sign-up page and the pages after it take
 * their copy from the course: title, description, each lesson's line, consent text,
 * disclaimer and the schedule.
 */
import { describe, expect, it } from 'vitest';
import { course, lessons } from '../../functions/core/course.js';
import { escapeHtml } from '../../functions/core/html.js';
import { sampleSettings } from '../../functions/core/settings.js';
import { scheduleLine, signupPage, welcomePage } from '../../functions/http/pages.js';

const ctx = { settings: sampleSettings, basePath: '' };

describe(`the pages of ${course.id}`, () => {
  const page = signupPage(ctx, { formUrl: 'https://clinic.example/course' });

  it('lead with the course title and description', () => {
    expect(page).toContain(`<h1>${escapeHtml(course.title)}</h1>`);
    expect(page).toContain(escapeHtml(course.description));
  });

  it('list what each lesson teaches, in order, and nothing for the closing email', () => {
    const items = [...page.matchAll(/<ol class="lessons"[^>]*>([\s\S]*?)<\/ol>/g)][0]?.[1] ?? '';
    const lines = [...items.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]);
    expect(lines).toEqual(lessons.map((l) => escapeHtml(l.summary)));
  });

  it('show the consent text and the disclaimer', () => {
    expect(page).toContain(escapeHtml(course.consentText));
    expect(page).toContain(escapeHtml(course.disclaimer));
  });

  it('tell a confirmed reader when the lessons come, from the course’s delays', () => {
    const line = scheduleLine();
    expect(welcomePage(ctx)).toContain(escapeHtml(line));
    const later = course.sequence.slice(1).map((e) => e.delayDays);
    if (later.every((d) => d === later[0])) expect(line).toMatch(/every (day|\w+ days)/);
    else expect(line).toMatch(/over \w+ days/);
  });
});
