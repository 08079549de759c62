/**
 * Names of the course-wide counters. Every counter is bumped by the write path that
 * causes it, so stats are one item read, never a scan.
 */
export const COUNTER = {
  signedUp: 'signedUp',
  confirmationsSent: 'confirmationsSent',
  confirmed: 'confirmed',
  completed: 'completed',
  unsubscribed: 'unsubscribed',
  bounced: 'bounced',
  transientBounces: 'transientBounces',
  complained: 'complained',
  erased: 'erased',
  /** Per email of the sequence: `sent:lesson-1`, `delivered:lesson-1`, ... */
  sent: (emailId: string) => `sent:${emailId}`,
  delivered: (emailId: string) => `delivered:${emailId}`,
  opened: (emailId: string) => `opened:${emailId}`,
  clicked: (emailId: string) => `clicked:${emailId}`,
  sendFailed: (emailId: string) => `sendFailed:${emailId}`,
} as const;
