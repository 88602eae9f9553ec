/**
 * Stand-ins, in the Lambda bundles only (ESBUILD_SETTINGS.alias in infra/bundling.ts), for the
 * credential providers of the SDK's default chain that read ~/.aws files, run a
 * credential_process, or exchange an SSO or web identity token. Lambda gives a function its
 * role's credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, which the
 * chain's first provider (fromEnv) reads, and none of these sources exists there.
 *
 * The real providers pull in the STS, SSO, SSO-OIDC and Signin clients: about 125 KiB of the
 * bundle that Node compiled at every cold start and never ran. The chain only imports them when
 * fromEnv fails, so behaviour only changes where it would have failed anyway; each stand-in
 * answers as a provider that does not apply (tryNextLink), so the chain goes on to the
 * container and instance metadata providers (kept) and then to its own "Could not load
 * credentials from any providers". Tests and the local server run the real chain, unbundled.
 */

/** Duck-typed like @smithy's CredentialsProviderError, which the chain tells apart by tryNextLink. */
class NotInLambdaBundle extends Error {
  readonly tryNextLink = true;
  constructor(provider: string) {
    super(`${provider} is not bundled: in Lambda, credentials come from the environment (fromEnv).`);
    this.name = 'CredentialsProviderError';
  }
}

const notBundled =
  (provider: string) =>
  (..._init: unknown[]) =>
  async (..._identityProperties: unknown[]): Promise<never> => {
    throw new NotInLambdaBundle(provider);
  };

export const fromIni = notBundled('fromIni (@aws-sdk/credential-provider-ini)');
export const fromSSO = notBundled('fromSSO (@aws-sdk/credential-provider-sso)');
export const fromProcess = notBundled('fromProcess (@aws-sdk/credential-provider-process)');
export const fromTokenFile = notBundled('fromTokenFile (@aws-sdk/credential-provider-web-identity)');
