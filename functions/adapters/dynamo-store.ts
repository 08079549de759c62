/**
 * SubscriberStore on DynamoDB: one item per subscriber (`pk = SUB#<id>`), one item for
 * the course-wide counters (`pk = COUNTERS`), a marker per unsubscribe or suppression
 * (`pk = MARK#<id>`) that outlives the record's retention, and a sparse, sharded GSI of
 * subscribers with an email due. Keys hold only the pseudonymous id, never an address.
 */
import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../contract.js';
import { utcDay } from '../core/counters.js';
import type { SendingGuard } from '../core/guard.js';
import {
  ConflictError,
  type CounterDeltas,
  type DuePage,
  type GuardStore,
  type SubscriberStore,
} from '../core/ports.js';
import { emailIdAtPosition } from '../core/progress.js';
import {
  DEFAULT_RETENTION_DAYS,
  markerRecord,
  REMEMBERED_STATUSES,
  retentionExpiry,
  unconfirmedExpiry,
} from '../core/retention.js';
import type { Subscriber, SubscriberStatus } from '../core/subscriber.js';

const SUB_PREFIX = 'SUB#';
/** What outlives an erased record: `{ status, at }`, never deleted (see core/retention.ts). */
const MARKER_PREFIX = 'MARK#';
const COUNTERS_PK = 'COUNTERS';
/** One item per UTC day: `COUNTERS#2026-12-02`, deleted by TTL after DAY_ITEM_TTL_DAYS. */
const DAY_PREFIX = `${COUNTERS_PK}#`;
const DAY_ITEM_TTL_DAYS = 366;
/** Keys BatchGetItem takes per call. */
const BATCH_GET_MAX = 100;
/** The reputation guard's state (functions/core/guard.ts). */
const GUARD_PK = 'GUARD';
const { dueIndex } = TABLE;
/** Where the next email's id is stored: the due index projects it for the sweep. */
const NEXT_EMAIL_ATTR = dueIndex.projected[0];

/**
 * The next email's id from a stored item: a string, or in records written before progress
 * was kept by id, a position in the course, read as the email there (progress.ts). `''`
 * when that position is gone; the sender then sends whatever the course puts next.
 */
function nextEmailIdOf(stored: unknown): string | undefined {
  if (typeof stored === 'string') return stored;
  if (typeof stored === 'number') return emailIdAtPosition(stored) ?? '';
  return undefined;
}

type Item = Record<string, unknown>;

/**
 * The due-index shard of a subscriber: a stable hash of the id modulo the shard count,
 * so the sweep can read shards in parallel and no index partition gets hot.
 */
export function dueShardOf(id: string, dueShards: number): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % dueShards;
}

export class DynamoSubscriberStore implements SubscriberStore, GuardStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly dueShards: number = TABLE.defaultDueShards,
    private readonly retentionDays: number = DEFAULT_RETENTION_DAYS,
  ) {
    if (!Number.isInteger(dueShards) || dueShards < 1)
      throw new RangeError(`Bad due shard count: ${dueShards}`);
  }

  /** The record, or once the database deleted it after the retention period, its marker. */
  async get(id: string): Promise<Subscriber | undefined> {
    const read = async (pk: string) =>
      (
        await this.client.send(
          new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }),
        )
      ).Item;
    const item = await read(SUB_PREFIX + id);
    if (item) return fromItem(item);
    const marker = await read(MARKER_PREFIX + id);
    return marker ? markerRecord(id, marker.status as SubscriberStatus, String(marker.at)) : undefined;
  }

  /**
   * Writes the record; `expectedVersion` 0 (a marker read back) creates it anew. A record
   * entering a remembered status first has its marker written (idempotent, no TTL): should
   * the record's write lose, its retry ends in that status or the marker is never read.
   */
  async put(subscriber: Subscriber, expectedVersion: number | undefined): Promise<void> {
    const condition =
      expectedVersion === undefined || expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } };
    if (REMEMBERED_STATUSES.includes(subscriber.status)) {
      const at = subscriber.status === 'unsubscribed' ? subscriber.unsubscribedAt : subscriber.suppressedAt;
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: MARKER_PREFIX + subscriber.id,
            status: subscriber.status,
            at: at ?? subscriber.createdAt,
          },
        }),
      );
    }
    await this.#conditional(
      new PutCommand({ TableName: this.tableName, Item: this.#toItem(subscriber), ...condition }),
    );
  }

  async delete(id: string, expectedVersion: number): Promise<void> {
    await this.#conditional(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: SUB_PREFIX + id },
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': expectedVersion },
      }),
    );
  }

  async listDue(shard: number, now: Date, limit: number, cursor?: string): Promise<DuePage> {
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: dueIndex.name,
        KeyConditionExpression: '#shard = :shard AND #dueAt <= :now',
        ExpressionAttributeNames: { '#shard': dueIndex.partitionKey, '#dueAt': dueIndex.sortKey },
        ExpressionAttributeValues: { ':shard': String(shard), ':now': now.toISOString() },
        ScanIndexForward: true,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor) } : {}),
      }),
    );
    return {
      items: Items.map((item) => ({
        id: String(item.pk).slice(SUB_PREFIX.length),
        nextEmailId: nextEmailIdOf(item[NEXT_EMAIL_ATTR]) ?? '',
        nextSendAt: String(item[dueIndex.sortKey]),
      })),
      ...(LastEvaluatedKey ? { cursor: encodeCursor(LastEvaluatedKey) } : {}),
    };
  }

  /**
   * One UpdateItem on the totals and, with `at`, a second on the day's item (1 WCU each
   * while an item stays under 1 KB). The day's write follows the totals' and its failure
   * is dropped: a day may miss a bump, never count one twice when the caller retries.
   */
  async increment(deltas: CounterDeltas, at?: Date): Promise<void> {
    const entries = Object.entries(deltas);
    if (entries.length === 0) return;
    // Counter names contain ':' and '-', so every one goes through a placeholder.
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds = entries.map(([name, delta], i) => {
      names[`#c${i}`] = name;
      values[`:c${i}`] = delta;
      return `#c${i} :c${i}`;
    });
    const add = { ExpressionAttributeNames: names, ExpressionAttributeValues: values };
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: COUNTERS_PK },
        UpdateExpression: `ADD ${adds.join(', ')}`,
        ...add,
      }),
    );
    if (!at) return;
    const day = utcDay(at);
    const expiry = Math.floor(Date.parse(day) / 1000) + DAY_ITEM_TTL_DAYS * 86_400;
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: DAY_PREFIX + day },
          UpdateExpression: `ADD ${adds.join(', ')} SET #ttl = :ttl`,
          ExpressionAttributeNames: { ...names, '#ttl': TABLE.expiryAttribute },
          ExpressionAttributeValues: { ...values, ':ttl': expiry },
        }),
      )
      .catch(() => undefined);
  }

  /** BatchGetItem, up to 100 days a call, eventually consistent (half the read units). */
  async readDailyCounters(days: readonly string[]): Promise<Record<string, Record<string, number>>> {
    const found: Record<string, Record<string, number>> = {};
    for (let start = 0; start < days.length; start += BATCH_GET_MAX) {
      let keys: Item[] = [...new Set(days.slice(start, start + BATCH_GET_MAX))].map((d) => ({
        pk: DAY_PREFIX + d,
      }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error('DynamoDB left daily counters unread after 8 retries');
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          const { pk, [TABLE.expiryAttribute]: _ttl, ...counters } = item;
          found[String(pk).slice(DAY_PREFIX.length)] = Object.fromEntries(
            Object.entries(counters).map(([name, value]) => [name, Number(value)]),
          );
        }
        keys = (UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined) ?? [];
      }
    }
    return found;
  }

  async readCounters(): Promise<Record<string, number>> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: COUNTERS_PK }, ConsistentRead: true }),
    );
    const { pk: _pk, ...counters } = Item ?? {};
    return Object.fromEntries(Object.entries(counters).map(([name, value]) => [name, Number(value)]));
  }

  async readGuard(): Promise<SendingGuard | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: GUARD_PK }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, ...guard } = Item;
    return guard as SendingGuard;
  }

  async writeGuard(guard: SendingGuard, expectedVersion: number | undefined): Promise<void> {
    const condition =
      expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } };
    await this.#conditional(
      new PutCommand({ TableName: this.tableName, Item: { ...guard, pk: GUARD_PK }, ...condition }),
    );
  }

  async scan(cursor?: string): Promise<{ items: Subscriber[]; cursor?: string }> {
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        FilterExpression: 'begins_with(pk, :sub)',
        ExpressionAttributeValues: { ':sub': SUB_PREFIX },
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor) } : {}),
      }),
    );
    return {
      items: Items.map(fromItem),
      ...(LastEvaluatedKey ? { cursor: encodeCursor(LastEvaluatedKey) } : {}),
    };
  }

  /**
   * The record plus its key, the due-index keys only while an email is due, and the
   * expiry only while the sign-up is unconfirmed.
   */
  #toItem(subscriber: Subscriber): Item {
    const { nextEmailId, ...rest } = subscriber;
    const item: Item = { ...rest, pk: SUB_PREFIX + subscriber.id };
    if (nextEmailId !== undefined) item[NEXT_EMAIL_ATTR] = nextEmailId;
    if (subscriber.status === 'active' && subscriber.nextSendAt !== undefined && nextEmailId !== undefined) {
      item[dueIndex.partitionKey] = String(dueShardOf(subscriber.id, this.dueShards));
      item[dueIndex.sortKey] = subscriber.nextSendAt;
    }
    const expiry = unconfirmedExpiry(subscriber) ?? retentionExpiry(subscriber, this.retentionDays);
    if (expiry) item[TABLE.expiryAttribute] = Math.floor(expiry.getTime() / 1000);
    return item;
  }

  async #conditional(command: PutCommand | DeleteCommand): Promise<void> {
    try {
      // The union of command types does not narrow `send`'s overloads; each is a valid command.
      await this.client.send(command as PutCommand);
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      ) {
        throw new ConflictError();
      }
      throw error;
    }
  }
}

function fromItem(item: Item): Subscriber {
  const {
    pk: _pk,
    [dueIndex.partitionKey]: _shard,
    [dueIndex.sortKey]: _dueAt,
    [TABLE.expiryAttribute]: _expiresAt,
    [NEXT_EMAIL_ATTR]: stored,
    ...record
  } = item;
  const nextEmailId = nextEmailIdOf(stored);
  return { ...record, ...(nextEmailId !== undefined ? { nextEmailId } : {}) } as unknown as Subscriber;
}

function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): Item {
  const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new Error('Bad page cursor');
  return key as Item;
}

/**
 * Creates the subscriber table with the same schema as the CDK construct (TABLE), for
 * tests and the local stack. Resolves once the table exists.
 */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: dueIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: dueIndex.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: TABLE.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: dueIndex.name,
          KeySchema: [
            { AttributeName: dueIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: dueIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...dueIndex.projected] },
        },
      ],
    }),
  );
  await waitUntilTableExists({ client, minDelay: 1, maxWaitTime: 60 }, { TableName: tableName });
}
