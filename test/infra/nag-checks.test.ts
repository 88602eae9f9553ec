import { App, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { acknowledge, applyNagChecks, nagChecks } from '../../infra/nag-checks.js';
import { stackOf, type Json } from '../support/synth-stack.js';

/** Every finding of both packs on a construct tree, errors and warnings, as "severity rule path". */
function findings(scope: Stack): string[] {
  return nagChecks().flatMap((pack) =>
    pack.validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`)),
  );
}

/** Every context variant the stack supports (each branch of infra/stack-config.ts that adds or removes resources). */
const VARIANTS: Record<string, Json> = {
  default: {},
  'external OIDC issuer': { authIssuer: 'https://login.hospital.example/realms/pacs', authAudience: 'dicom-api' },
  'Cognito with MFA required': { requireMfa: 'true' },
  'removalPolicy destroy (auto-delete custom resource)': { removalPolicy: 'destroy' },
  'everything else set': {
    corsOrigins: 'https://viewer.example.org',
    uploadExpirationDays: '365',
    alarmEmail: 'pacs-ops@hospital.example',
    secretParameters: '/dicom/oidc/client-id,/dicom/oidc/client-secret',
    secretParametersKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    uploadReservedConcurrency: '5',
    headerReservedConcurrency: '5',
    exportReservedConcurrency: '5',
    processorReservedConcurrency: '12',
    noncurrentVersionExpirationDays: '3',
  },
};

describe('cdk-nag (AwsSolutions and HIPAA.Security)', () => {
  it('packs are AwsSolutions and HIPAA.Security', () => {
    expect(nagChecks().map((p) => p.readPackName)).toEqual(['AwsSolutions', 'HIPAA.Security']);
  });

  for (const [name, context] of Object.entries(VARIANTS)) {
    it(`reports no unacknowledged error or warning: ${name}`, () => {
      expect(findings(stackOf(context).stack)).toEqual([]);
    });
  }

  it('can fail: a bare bucket has findings, and an acknowledgment removes exactly the one it names', () => {
    const stack = new Stack(new App(), 'Bare');
    const bucket = new s3.Bucket(stack, 'Bare');
    const before = findings(stack);
    expect(before).toEqual(expect.arrayContaining(['error AwsSolutions-S1 Bare/Bare/Resource', 'error HIPAA.Security-S3BucketVersioningEnabled Bare/Bare/Resource']));
    acknowledge(bucket, 'test', 'AwsSolutions-S1');
    expect(findings(stack)).toEqual(before.filter((f) => !f.includes('AwsSolutions-S1 ')));
  });

  it('fails synthesis on an error nobody acknowledged (applyNagChecks, as infra/app.ts registers the packs)', () => {
    const app = new App({ builtinCloudFormationValidation: false }); // only cdk-nag's verdict here (the CloudFormation checks load slowly)
    new s3.Bucket(new Stack(app, 'Unreviewed'), 'Bucket', { enforceSSL: true });
    applyNagChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('fails synthesis on a warning alone', () => {
    const app = new App({ builtinCloudFormationValidation: false }); // only cdk-nag's verdict here (the CloudFormation checks load slowly)
    const stack = new Stack(app, 'Warned');
    // Every pool rule met but COG2 (MFA required), a warning.
    new cognito.UserPool(stack, 'Pool', {
      featurePlan: cognito.FeaturePlan.PLUS,
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
    });
    expect(findings(stack)).toEqual(['warning AwsSolutions-COG2 Warned/Pool/Resource']);
    applyNagChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-COG2/);
  });
});
