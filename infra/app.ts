import { App } from 'aws-cdk-lib';
import { DicomServiceStack } from './dicom-service-stack.js';
import { applyNagChecks } from './nag-checks.js';

/**
 * CDK app. Settings come from context (cdk.json or `-c key=value`): stackName and those of
 * infra/stack-config.ts (authIssuer, authAudience, requireMfa, tenantClaim, corsOrigins, the
 * expirations, throttling, reserved concurrencies, URL lifetimes, log retentions, removalPolicy,
 * logLevel, alarmEmail and alarm thresholds, secretParameters).
 *
 * cdk-nag's AWS Solutions and HIPAA Security packs run at synthesis: any finding that is not
 * acknowledged next to its construct, with a reason, fails `cdk synth` (and so deploy).
 */
const app = new App();

new DicomServiceStack(app, String(app.node.tryGetContext('stackName') ?? 'DicomService'), {
  description: 'Serverless DICOM service: presigned upload, header as DICOM JSON, PNG export',
  // Environment-agnostic unless the CLI knows the account/region (deploy with credentials).
  env:
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined,
});

applyNagChecks(app);
app.synth();
