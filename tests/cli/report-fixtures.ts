/** Fixed counters for the report's tests: a course a few months in. */
import { COUNTER } from '../../functions/contract.js';
import { lastDays } from '../../functions/core/counters.js';

export const REPORT_NOW = new Date('2026-12-02T09:30:00.000Z');
export const reportDays = lastDays(REPORT_NOW, 90);

export const courseCounters: Record<string, number> = {
  [COUNTER.signedUp]: 200,
  [COUNTER.confirmationsSent]: 220,
  [COUNTER.confirmed]: 150,
  [COUNTER.sent('lesson-1')]: 150,
  [COUNTER.sent('lesson-2')]: 120,
  [COUNTER.sent('lesson-3')]: 100,
  [COUNTER.sent('lesson-4')]: 90,
  [COUNTER.sent('lesson-5')]: 80,
  [COUNTER.sent('complete')]: 75,
  [COUNTER.delivered('lesson-1')]: 148,
  [COUNTER.delivered('lesson-2')]: 120,
  [COUNTER.delivered('lesson-3')]: 99,
  [COUNTER.delivered('lesson-4')]: 90,
  [COUNTER.delivered('lesson-5')]: 80,
  [COUNTER.opened('lesson-1')]: 100,
  [COUNTER.clicked('lesson-1')]: 25,
  [COUNTER.opened('lesson-2')]: 70,
  [COUNTER.clicked('lesson-2')]: 21,
  [COUNTER.opened('lesson-3')]: 60,
  [COUNTER.clicked('lesson-3')]: 12,
  [COUNTER.opened('lesson-4')]: 55,
  [COUNTER.clicked('lesson-4')]: 9,
  [COUNTER.opened('lesson-5')]: 52,
  [COUNTER.clicked('lesson-5')]: 30,
  [COUNTER.completed]: 75,
  [COUNTER.unsubscribed]: 30,
  [COUNTER.unsubscribedAfter('none')]: 3,
  [COUNTER.unsubscribedAfter('lesson-1')]: 12,
  [COUNTER.unsubscribedAfter('lesson-2')]: 8,
  [COUNTER.unsubscribedAfter('lesson-3')]: 2,
  [COUNTER.unsubscribedAfter('lesson-4')]: 1,
  [COUNTER.unsubscribedAfter('complete')]: 1,
  [COUNTER.bounced]: 4,
  [COUNTER.complained]: 1,
};

/** Day items: a steady trickle with a launch spike, none on 30 November. */
export const dailyCounters: Record<string, Record<string, number>> = Object.fromEntries(
  reportDays.flatMap((day, i) => {
    if (day === '2026-11-30') return [];
    const signedUp = day === '2026-12-02' ? 12 : i === 60 ? 31 : (i * 7) % 5;
    const confirmed = day === '2026-12-02' ? 9 : Math.floor(signedUp * 0.75);
    const unsubscribed = day === '2026-12-02' ? 2 : i % 11 === 0 ? 1 : 0;
    return [
      [
        day,
        {
          [COUNTER.signedUp]: signedUp,
          [COUNTER.confirmed]: confirmed,
          [COUNTER.unsubscribed]: unsubscribed,
        },
      ],
    ];
  }),
);
