import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE } from '../../functions/contract.js';

/**
 * The subscriber table: every subscriber record and the course counters. Shape from
 * TABLE (shared with the DynamoDB adapter). It holds consent records, so it survives
 * stack deletion and keeps 35 days of point-in-time backups.
 */
export class SubscriberTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      // Unconfirmed sign-ups carry an expiry; DynamoDB deletes them after it.
      timeToLiveAttribute: TABLE.expiryAttribute,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.dueIndex.name,
      partitionKey: { name: TABLE.dueIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.dueIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...TABLE.dueIndex.projected],
    });
  }

  /**
   * Fixes the table's CloudFormation logical ID. A changed logical ID makes
   * CloudFormation create a new, empty table, so moving this construct must not change it.
   */
  pinLogicalId(logicalId: string): void {
    (this.table.node.defaultChild as dynamodb.CfnTable).overrideLogicalId(logicalId);
  }
}

/**
 * DynamoDB actions behind DynamoSubscriberStore's `get`, `put` (conditional) and
 * `increment` (counters): all the functions do to the table. Scans and deletes are the
 * admin CLI's, which runs with the owner's own credentials.
 */
export const RECORD_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * Lets a function read and write single subscriber records and bump the counters, on
 * the table itself only: no scan, no delete, no index. Narrower than
 * `grantReadWriteData()`, which adds Scan, DeleteItem, batch and stream reads, and every
 * index as `<table arn>/index/*`.
 */
export function grantRecordAccess(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: [...RECORD_ACTIONS], resourceArns: [table.tableArn] });
}

/** Lets the sweep query the due index (DynamoSubscriberStore `listDue`), and nothing else. */
export function grantDueIndexQuery(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:Query'],
    resourceArns: [`${table.tableArn}/index/${TABLE.dueIndex.name}`],
  });
}
