import { App } from 'aws-cdk-lib';
import { DicomServiceStack } from './dicom-service-stack.js';

/**
 * CDK app. Settings come from context (cdk.json or `-c key=value`): stackName and those of
 * infra/stack-config.ts (authIssuer, authAudience, tenantClaim, corsOrigins, the expirations,
 * throttling, exportReservedConcurrency, URL lifetimes, log retentions, removalPolicy, logLevel).
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

app.synth();
