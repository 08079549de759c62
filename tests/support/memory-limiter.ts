/**
 * SignupLimiter in memory, with the DynamoDB adapter's rules (tests/integration holds
 * the adapter to the same cases on dynalite). Never expires anything, like dynalite.
 */
import type { MailboxPolicy, SignupLimiter } from '../../functions/core/limits.js';

export class MemoryLimiter implements SignupLimiter {
  readonly clients = new Map<string, number>();
  readonly mailboxes = new Map<string, number[]>();

  async countClient(client: string, windowStart: Date, _windowEnd: Date, limit: number): Promise<boolean> {
    const key = `${client}#${windowStart.getTime()}`;
    const n = this.clients.get(key) ?? 0;
    if (n >= limit) return false;
    this.clients.set(key, n + 1);
    return true;
  }

  async recordMailboxSend(mailbox: string, now: Date, policy: MailboxPolicy): Promise<boolean> {
    const sends = this.mailboxes.get(mailbox) ?? [];
    const t = now.getTime();
    const recent = sends.filter((s) => s > t - policy.periodMs);
    const last = sends.at(-1);
    if (recent.length >= policy.cap || (last !== undefined && last > t - policy.cooldownMs)) return false;
    this.mailboxes.set(mailbox, [...sends, t]);
    return true;
  }

  async releaseMailboxSend(mailbox: string, at: Date): Promise<void> {
    const sends = this.mailboxes.get(mailbox) ?? [];
    if (sends.at(-1) === at.getTime()) this.mailboxes.set(mailbox, sends.slice(0, -1));
  }
}
