/**
 * Reads the SSM parameters SECRET_PARAMETER_NAMES names with Powertools Parameters: SecureString
 * values decrypted, each kept in the provider's cache for the life of the container (the
 * configuration is validated once, so a rotated value takes effect in new containers). Loaded
 * by lib/config.ts's initConfig only when names are configured, so a function without secrets
 * never loads the SSM client.
 */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';

/** Reads one SSM parameter by name: its value, or undefined when there is none. */
export type ParameterReader = (name: string) => Promise<string | undefined>;

/** A cache age longer than any container lives: the values are read once, at cold start. */
const ONE_DAY_SECONDS = 24 * 60 * 60;

let provider: SSMProvider | undefined;

export const readParameter: ParameterReader = async (name) => {
  provider ??= new SSMProvider();
  return provider.get(name, { decrypt: true, maxAge: ONE_DAY_SECONDS });
};

/** A reader on a provider of its own (tests: moto_server's endpoint, a mocked client). */
export function parameterReader(ssm: SSMProvider): ParameterReader {
  return (name) => ssm.get(name, { decrypt: true, maxAge: ONE_DAY_SECONDS });
}
