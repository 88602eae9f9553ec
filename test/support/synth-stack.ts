import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DicomServiceStack, PROJECT_ROOT, type DicomServiceStackProps } from '../../infra/dicom-service-stack.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** cdk.json's context (feature flags, defaults), so tests synthesise what `cdk synth` does. */
export const CDK_CONTEXT: Json = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context;

/** A DicomServiceStack in a fresh app with cdk.json's context, without bundling (fast: assets are not built). */
export function stackOf(context: Json = {}, props: DicomServiceStackProps = {}): { app: App; stack: DicomServiceStack } {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  return { app, stack: new DicomServiceStack(app, 'Test', props) };
}

/** stackOf() and its synthesized template. */
export function synthStack(context: Json = {}, props: DicomServiceStackProps = {}): { stack: DicomServiceStack; template: Template } {
  const { stack } = stackOf(context, props);
  return { stack, template: Template.fromStack(stack) };
}
