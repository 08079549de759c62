import { Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Id of the key the stack generates; a rotation adds `k2`, `k3`, ... (see docs/deploying.md). */
export const FIRST_LINK_KEY_ID = 'k1';

/**
 * The keys that sign confirm and unsubscribe links. CloudFormation generates the first
 * one into the flat shape `{"currentKeyId":"k1","k1":"<64 random letters and digits>"}`
 * (a generated value cannot sit inside a nested object); functions/adapters/link-keys.ts
 * reads that shape as well as `{ currentKeyId, keys: { ... } }`.
 */
export class LinkSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Keys that sign the email course confirm and unsubscribe links',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ currentKeyId: FIRST_LINK_KEY_ID }),
        generateStringKey: FIRST_LINK_KEY_ID,
        passwordLength: 64,
        excludePunctuation: true,
        includeSpace: false,
      },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'A key ring, not a password: rotating means adding a key and keeping the old ones so links in emails already sent still verify. That is a manual step (docs/deploying.md, rotating the link-signing key); a rotation Lambda would be custom code for a yearly task.',
    });
  }
}
