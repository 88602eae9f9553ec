import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from './nag-checks.js';
import type { AuthSettings } from './stack-config.js';

/** Lifetimes of the tokens the stack's app client issues (issue 11: an access token lives at most an hour). */
export const TOKEN_VALIDITY = {
  accessTokenHours: 1,
  idTokenHours: 1,
  refreshTokenDays: 1,
} as const;

export interface ApiAuthProps {
  settings: AuthSettings;
  removalPolicy: RemovalPolicy;
}

/**
 * Who may call the API: a JWT authorizer whose issuer and audience are either an external OIDC
 * provider's (a hospital's own identity provider) or those of a Cognito user pool and app client
 * created here. The functions get the same issuer and audience (AUTH_ISSUER, AUTH_AUDIENCE) so
 * the tenant they derive from a token is tied to the issuer that signed it.
 */
export class ApiAuth extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  /** The issuer exactly as tokens carry it in `iss`. */
  readonly issuer: string;
  /** Accepted `aud` values (for Cognito access tokens, which carry no `aud`, their `client_id`). */
  readonly audience: string[];
  readonly userPool?: cognito.UserPool;
  readonly userPoolClient?: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: ApiAuthProps) {
    super(scope, id);
    if (props.settings.kind === 'external') {
      this.issuer = props.settings.issuer;
      this.audience = props.settings.audience;
    } else {
      this.userPool = new cognito.UserPool(this, 'UserPool', {
        // Accounts are made by an administrator (AdminCreateUser): this is a clinical service.
        selfSignUpEnabled: false,
        signInAliases: { username: true, email: true },
        // custom:tenant, set by the administrator at creation and never changeable, for a pool
        // where several people share one tenant: deploy with tenantClaim=custom:tenant and call
        // with ID tokens (Cognito puts custom attributes in ID tokens, not access tokens).
        customAttributes: { tenant: new cognito.StringAttribute({ minLen: 1, maxLen: 256, mutable: false }) },
        passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
        mfa: props.settings.requireMfa ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
        removalPolicy: props.removalPolicy,
      });
      if (!props.settings.requireMfa) {
        acknowledge(
          this.userPool,
          'MFA (TOTP) is offered to every user and required with the context option requireMfa=true (users then enrol an authenticator app at first sign-in); a hospital using its own identity provider (authIssuer) enforces MFA there.',
          'AwsSolutions-COG2',
        );
      }
      acknowledge(
        this.userPool,
        'The Plus feature plan (threat protection: compromised-credential checks, adaptive authentication) is billed per active user; accounts are made by an administrator only (no self sign-up) and a hospital usually federates its own identity provider (authIssuer). Set featurePlan PLUS here if the pool holds the users.',
        'AwsSolutions-COG8',
      );
      this.userPoolClient = this.userPool.addClient('ApiClient', {
        authFlows: { userPassword: true, userSrp: true },
        generateSecret: false,
        // Sign-in through the API's own flows only; no hosted UI, so no callback URLs to keep.
        disableOAuth: true,
        accessTokenValidity: Duration.hours(TOKEN_VALIDITY.accessTokenHours),
        idTokenValidity: Duration.hours(TOKEN_VALIDITY.idTokenHours),
        refreshTokenValidity: Duration.days(TOKEN_VALIDITY.refreshTokenDays),
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
      });
      // Exactly the `iss` of the pool's tokens (the functions hash it into the tenant).
      const stack = Stack.of(this);
      this.issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${this.userPool.userPoolId}`;
      // API Gateway compares the audience with `aud` (ID tokens) or `client_id` (access tokens).
      this.audience = [this.userPoolClient.userPoolClientId];
    }
    this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', this.issuer, {
      authorizerName: 'jwt',
      jwtAudience: this.audience,
      identitySource: ['$request.header.Authorization'],
    });
  }
}
