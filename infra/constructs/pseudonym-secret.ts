import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The key of the subscriber ids (HMAC of the address; functions/core/identity.ts). Its own
 * secret rather than a field of the link keys' secret: CloudFormation generates one random
 * value per secret, the link keys' secret is edited by hand on every rotation (a slip
 * there must not change every id), and the mail-events function needs this key but no
 * link key. It costs US$0.40 a month. Retained with the table it keys: without it no
 * record, suppressions included, can be found by address again.
 */
export class PseudonymSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Key of the email course subscriber ids (never rotate: every id would change)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Never rotated by design: subscriber ids are derived from it, so a new key would orphan every record and forget every suppression.',
    });
  }
}
