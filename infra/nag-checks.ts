import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag rule packs the stack must pass: AWS Solutions and HIPAA Security. cdk-nag 3 runs
 * them as CDK validation plugins: `cdk synth` fails on any finding (error or warning) that is not
 * acknowledged, and the CDK tests call validateScope() on the same packs.
 */
export const nagChecks = (): NagPack[] => [new AwsSolutionsChecks(), new HIPAASecurityChecks()];

/** Registers the packs on the app (infra/app.ts). */
export function applyNagChecks(app: App): void {
  Validations.of(app).addPlugins(...nagChecks());
}

/**
 * Acknowledges (suppresses) cdk-nag findings on a construct and everything under it, with the
 * reason a reviewer reads. cdk-nag 3 has no `appliesTo`: a finding on one resource of a rule
 * that reports several (AwsSolutions-IAM5) is named `Rule[Finding]`, e.g.
 * `AwsSolutions-IAM5[Resource::<Bucket.Arn>/uploads/*]`, and acknowledged one by one.
 */
export function acknowledge(scope: IConstruct, reason: string, ...ids: string[]): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}
