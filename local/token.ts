/**
 * `npm run --silent token -- <name> [--tenant <t>] [--ttl <seconds>]`: prints a token of the
 * local issuer for `<name>` on stdout and nothing else, so `TOKEN=$(npm run --silent token -- alice)`
 * works. Notes and errors go to stderr; usage errors exit 2. Reads LOCAL_DATA_DIR (default
 * `.data`) and PORT (default 3000) as the local server does, so both use one key and issuer.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOCAL_TENANT_CLAIM, loadLocalAuth } from './local-auth.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const USAGE = 'usage: npm run --silent token -- <name> [--tenant <tenant>] [--ttl <seconds>]\n';

const usageError = (message: string): CommandResult => ({ code: 2, stdout: '', stderr: `token: ${message}\n${USAGE}` });

export async function tokenCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  let name: string | undefined;
  let tenant: string | undefined;
  let ttl: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { code: 0, stdout: '', stderr: USAGE };
    if (arg === '--tenant' || arg === '--ttl') {
      const value = argv[++i];
      if (value === undefined || value === '') return usageError(`${arg} needs a value`);
      if (arg === '--tenant') tenant = value;
      else ttl = value;
    } else if (arg.startsWith('-')) {
      return usageError(`unknown option ${arg}`);
    } else if (name === undefined) {
      name = arg;
    } else {
      return usageError('only one name');
    }
  }
  if (name === undefined || name.trim() === '') return usageError('a name is required');
  const ttlSeconds = ttl === undefined ? 3600 : Number(ttl);
  if (ttl !== undefined && !/^\d+$/.test(ttl)) return usageError('--ttl must be whole seconds');

  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return usageError('PORT must be 1..65535');
  const dataDir = resolve(env.LOCAL_DATA_DIR ?? '.data');

  let token: string;
  try {
    const auth = await loadLocalAuth({ dataDir, port });
    token = await auth.issueToken({ subject: name, tenant, ttlSeconds });
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    return { code: 2, stdout: '', stderr: `token: ${message.replace(/^issueToken: /, '')}\n` };
  }
  // --tenant only matters when the server takes the tenant from that claim.
  const note =
    tenant !== undefined && env.TENANT_CLAIM !== LOCAL_TENANT_CLAIM
      ? `token: note: the tenant is in claim "${LOCAL_TENANT_CLAIM}"; start the server with TENANT_CLAIM=${LOCAL_TENANT_CLAIM} for it to count (now: ${env.TENANT_CLAIM ?? 'sub'})\n`
      : '';
  return { code: 0, stdout: `${token}\n`, stderr: note };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  tokenCommand(process.argv.slice(2), process.env).then(
    ({ code, stdout, stderr }) => {
      process.stdout.write(stdout);
      process.stderr.write(stderr);
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`token: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
