import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The GitHub Actions workflows are code that only runs on GitHub; a typo there shows up after a
 * merge, as a workflow that does not start. These tests check every file under .github/workflows
 * against GitHub's own workflow schema (@actions/workflow-parser: the parser behind the Actions
 * language service) and against the pipeline's rules: actions pinned by commit, read-only default
 * permissions, and a deploy that waits for tests, synth and the `production` approval.
 */

// The parser's ESM build imports its schema JSON without an import attribute, which Node's own
// loader (used by vitest for node_modules) refuses; tsx's loader accepts it.
const { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } = (await tsImport(
  '@actions/workflow-parser',
  import.meta.url,
)) as typeof import('@actions/workflow-parser');

const WORKFLOWS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '.github', 'workflows');

const workflowFiles = readdirSync(WORKFLOWS_DIR)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();

/** Schema errors GitHub would report for a workflow (empty when it would run). */
async function schemaErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const parseErrors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value === undefined) return parseErrors.length ? parseErrors : [`${name}: empty`];
  // Conversion adds the checks that need the whole workflow (e.g. `needs` naming a real job);
  // its error list includes the parse errors.
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return (template.errors ?? []).map((e) => e.Message);
}

/**
 * `uses:` lines whose action is not pinned to a full commit SHA with its release in a comment
 * (`owner/repo@<40 hex> # v1.2.3`). A tag or branch can be moved to other code after review; a
 * commit cannot. Local actions (`./...`) and images by digest are ours or immutable already.
 */
function unpinnedUses(content: string): string[] {
  return content
    .split('\n')
    .map((line) => line.match(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .filter(([, ref, rest]) => {
      if (ref.startsWith('./')) return false;
      if (ref.startsWith('docker://')) return !/@sha256:[0-9a-f]{64}$/.test(ref);
      return !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) || !/^\s+#\s*v\d+(\.\d+)*\s*$/.test(rest);
    })
    .map(([line]) => line.trim());
}

type Permissions = string | Record<string, string> | undefined;

/** Whether a `permissions:` value grants nothing beyond read. */
function readOnly(permissions: Permissions): boolean {
  if (permissions === undefined) return false; // the repository default may be write-all
  if (typeof permissions === 'string') return permissions === 'read-all';
  return Object.values(permissions).every((level) => level === 'read' || level === 'none');
}

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  environment?: string | { name?: string };
  permissions?: Permissions;
  concurrency?: string | { group?: string; 'cancel-in-progress'?: boolean | string };
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Permissions;
  jobs: Record<string, Job>;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());
const read = (name: string): string => readFileSync(join(WORKFLOWS_DIR, name), 'utf8');
const load = (name: string): Workflow => parse(read(name)) as Workflow;

describe('the checks can fail', () => {
  it('the schema check reports a broken workflow', async () => {
    // Three mistakes GitHub refuses: an unknown permission level, a misspelt key, and a step
    // that both runs a command and uses an action.
    const broken = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-24.04',
      '    permissions:',
      '      contents: admin',
      '    stepz:',
      '      - uses: actions/checkout@v4',
      '        run: echo hello',
      '',
    ].join('\n');
    const errors = await schemaErrors('broken.yml', broken);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(/admin/);
  });

  it('the schema check reports an unknown expression context and a `needs` on no job', async () => {
    const contextErrors = await schemaErrors(
      'context.yml',
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ foo.bar }}\n',
    );
    expect(contextErrors.join('\n')).toMatch(/foo/);
    const needsErrors = await schemaErrors(
      'needs.yml',
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: [nope]\n    steps:\n      - run: echo\n',
    );
    expect(needsErrors.length).toBeGreaterThan(0);
  });

  it('a well-formed workflow passes the schema check', async () => {
    const ok = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo hello\n';
    expect(await schemaErrors('ok.yml', ok)).toEqual([]);
  });

  it('the pin rule flags tags, branches, short SHAs and a SHA without its release comment', () => {
    const sha = '11bd71901bbe5b1630ceea73d27597364c9af683';
    const text = [
      '      - uses: actions/checkout@v4',
      '      - uses: actions/checkout@main',
      `      - uses: actions/checkout@${sha.slice(0, 7)} # v4.2.2`,
      `      - uses: actions/checkout@${sha}`,
      `      - uses: actions/checkout@${sha} # v4.2.2`,
      '      - uses: ./.github/actions/local',
    ].join('\n');
    expect(unpinnedUses(text)).toHaveLength(4);
  });

  it('the permission rule flags write access and a missing block', () => {
    expect(readOnly({ contents: 'read' })).toBe(true);
    expect(readOnly({ contents: 'read', 'id-token': 'write' })).toBe(false);
    expect(readOnly('write-all')).toBe(false);
    expect(readOnly(undefined)).toBe(false);
  });
});

describe('.github/workflows', () => {
  it('holds the pipeline', () => {
    expect(workflowFiles).toContain('pipeline.yml');
  });

  it.each(workflowFiles)('%s passes the GitHub Actions schema', async (name) => {
    expect(await schemaErrors(name, read(name))).toEqual([]);
  });

  it.each(workflowFiles)('%s pins every action to a commit SHA with its release noted', (name) => {
    expect(unpinnedUses(read(name))).toEqual([]);
  });

  it.each(workflowFiles)('%s grants only read access by default', (name) => {
    expect(readOnly(load(name).permissions)).toBe(true);
  });
});

describe('pipeline.yml', () => {
  const workflow = load('pipeline.yml');
  const { jobs } = workflow;
  const setupNode = (job: Job) => job.steps?.find((s) => s.uses?.startsWith('actions/setup-node@'));
  const runs = (job: Job) => (job.steps ?? []).map((s) => s.run ?? '').join('\n');

  it('runs on pull requests and on pushes to main', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    expect(workflow.on.push).toEqual({ branches: ['main'] });
  });

  it('tests on Node 20 (development machines) and 22 (Lambda), typecheck and lint included', () => {
    expect(jobs.test.strategy?.matrix?.node).toEqual(['20', '22']);
    expect(setupNode(jobs.test)?.with).toMatchObject({ 'node-version': '${{ matrix.node }}', cache: 'npm' });
    expect(runs(jobs.test)).toMatch(/npm ci/);
    expect(runs(jobs.test)).toMatch(/npm run typecheck/);
    expect(runs(jobs.test)).toMatch(/npm run lint/);
    expect(runs(jobs.test)).toMatch(/npm test/);
  });

  it('synthesizes, diffs and deploys on Node 22, the Lambda runtime', () => {
    for (const id of ['synth', 'diff', 'deploy']) {
      expect(setupNode(jobs[id])?.with, id).toMatchObject({ 'node-version': '22', cache: 'npm' });
    }
    expect(runs(jobs.synth)).toMatch(/npx cdk synth --quiet/);
    expect(runs(jobs.synth)).toMatch(/npm audit --omit=dev/);
  });

  it('posts `cdk diff` on the pull request, with OIDC credentials and the only PR write grant', () => {
    const diff = jobs.diff;
    expect(diff.if).toMatch(/github\.event_name == 'pull_request'/);
    expect(diff.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    expect(diff.steps?.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))).toBe(true);
    expect(runs(diff)).toMatch(/npx cdk diff/);
    expect(runs(diff)).toMatch(/gh pr comment/);
    for (const [id, job] of Object.entries(jobs)) {
      const granted = typeof job.permissions === 'object' ? job.permissions['pull-requests'] : job.permissions;
      if (id !== 'diff') expect(granted, id).toBeUndefined();
    }
  });

  it('deploys only from main, after test and synth, behind the production approval', () => {
    const deploy = jobs.deploy;
    expect(deploy.environment).toBe('production');
    expect(asList(deploy.needs)).toEqual(expect.arrayContaining(['test', 'synth']));
    expect(deploy.if).toMatch(/github\.event_name == 'push'/);
    expect(deploy.if).toMatch(/refs\/heads\/main/);
    expect(deploy.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(runs(deploy)).toMatch(/npx cdk deploy --require-approval never/);
  });

  it('never runs two deploys at once, and never cancels one under way', () => {
    expect(jobs.deploy.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
  });

  it('takes AWS roles and region from repository settings, never from the file', () => {
    const text = read('pipeline.yml');
    expect(text).not.toMatch(/arn:aws:/);
    expect(text).not.toMatch(/\b\d{12}\b/); // an account ID
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key/);
    for (const id of ['diff', 'deploy']) {
      const creds = jobs[id].steps?.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      expect(creds?.with?.['role-to-assume'], id).toMatch(/^\$\{\{ (vars|secrets)\.[A-Z_]+ \}\}$/);
      expect(creds?.with?.['aws-region'], id).toBe('${{ vars.AWS_REGION }}');
    }
  });
});
