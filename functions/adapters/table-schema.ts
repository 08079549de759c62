/**
 * The subscriber table's shape, shared by the DynamoDB adapter and the CDK construct
 * that creates the table, so the two cannot drift apart.
 */
export const TABLE = {
  /** Partition key of every item: `SUB#<subscriber id>` or `COUNTERS`. */
  partitionKey: 'pk',
  /** Sparse index of subscribers with an email due: only items that carry both keys. */
  dueIndex: {
    name: 'due-index',
    /** Shard number as a string, "0".."N-1", spreading the index over partitions. */
    partitionKey: 'dueShard',
    /** ISO-8601 UTC time the next email is due (sorts as time). */
    sortKey: 'dueAt',
    /** Non-key attributes the sweep reads from the index. */
    projected: ['nextIndex'],
  },
  /** Epoch seconds after which DynamoDB deletes the item (TTL); set only on unconfirmed sign-ups. */
  expiryAttribute: 'expiresAt',
  /** Shards of the due index. @default 8 */
  defaultDueShards: 8,
} as const;
