/**
 * SignupLimiter on the subscriber table: one item per client window (`pk = LIMIT#C#<key>#<start>`)
 * and one per mailbox (`pk = LIMIT#M#<key>`), each with the table's TTL attribute set so
 * DynamoDB deletes it once it no longer matters. Correctness never waits for the TTL
 * (DynamoDB deletes within days, not on the second): a client's window is part of its
 * key, and a mailbox's send times are compared with the clock.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../contract.js';
import { MAX_MAILBOX_CAP, type MailboxPolicy, type SignupLimiter } from '../core/limits.js';

/** Key prefix of the limiter's items; the admin scan reads only `SUB#` items. */
export const LIMIT_PREFIX = 'LIMIT#';

const epochSeconds = (ms: number) => Math.ceil(ms / 1000);

export class DynamoSignupLimiter implements SignupLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async countClient(client: string, windowStart: Date, windowEnd: Date, limit: number): Promise<boolean> {
    return this.#conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [TABLE.partitionKey]: `${LIMIT_PREFIX}C#${client}#${windowStart.getTime()}` },
        UpdateExpression: 'ADD #n :one SET #exp = :exp',
        ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
        ExpressionAttributeNames: { '#n': 'count', '#exp': TABLE.expiryAttribute },
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':exp': epochSeconds(windowEnd.getTime()) },
      }),
    );
  }

  /**
   * The mailbox item keeps the times of its last `cap` sends in slots `s0` (oldest) ..
   * `s<cap-1>` (newest), shifted by one on each send. A send is allowed when the oldest
   * slot is older than the period (or empty) and the newest older than the cooldown: a
   * rolling window, decided and recorded in one conditional update without a read.
   */
  async recordMailboxSend(mailbox: string, now: Date, policy: MailboxPolicy): Promise<boolean> {
    const cap = Math.min(Math.max(1, Math.floor(policy.cap)), MAX_MAILBOX_CAP);
    const slot = (i: number) => `#s${i}`;
    const names: Record<string, string> = { '#exp': TABLE.expiryAttribute };
    for (let i = 0; i < cap; i++) names[slot(i)] = `s${i}`;
    const shifts = Array.from(
      { length: cap - 1 },
      (_, i) => `${slot(i)} = if_not_exists(${slot(i + 1)}, :never)`,
    );
    const t = now.getTime();
    return this.#conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [TABLE.partitionKey]: `${LIMIT_PREFIX}M#${mailbox}` },
        UpdateExpression: `SET ${[...shifts, `${slot(cap - 1)} = :now`, '#exp = :exp'].join(', ')}`,
        ConditionExpression: `(attribute_not_exists(${slot(0)}) OR ${slot(0)} <= :periodEdge) AND (attribute_not_exists(${slot(cap - 1)}) OR ${slot(cap - 1)} <= :coolEdge)`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':never': 0,
          ':now': t,
          ':periodEdge': t - policy.periodMs,
          ':coolEdge': t - policy.cooldownMs,
          ':exp': epochSeconds(t + Math.max(policy.periodMs, policy.cooldownMs)),
        },
      }),
    );
  }

  /** Shifts the slots back by one when the newest is still `at`: one conditional update. */
  async releaseMailboxSend(mailbox: string, at: Date, policy: MailboxPolicy): Promise<void> {
    const cap = Math.min(Math.max(1, Math.floor(policy.cap)), MAX_MAILBOX_CAP);
    const slot = (i: number) => `#s${i}`;
    const names: Record<string, string> = {};
    for (let i = 0; i < cap; i++) names[slot(i)] = `s${i}`;
    const shifts = Array.from({ length: cap - 1 }, (_, i) => `${slot(cap - 1 - i)} = ${slot(cap - 2 - i)}`);
    await this.#conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [TABLE.partitionKey]: `${LIMIT_PREFIX}M#${mailbox}` },
        UpdateExpression: `SET ${[...shifts, `${slot(0)} = :never`].join(', ')}`,
        ConditionExpression: `${slot(cap - 1)} = :at`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':never': 0, ':at': at.getTime() },
      }),
    );
  }

  async #conditional(command: UpdateCommand): Promise<boolean> {
    try {
      await this.client.send(command);
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      ) {
        return false;
      }
      throw error;
    }
  }
}
