// Package entra is a fake Microsoft Entra ID (the Microsoft identity
// platform's v2.0 endpoints) on loopback, started with one call like
// httptest: NewServer.
//
// It serves, for one tenant:
//
//   - discovery at /{tenant}/v2.0/.well-known/openid-configuration, with the
//     tenant-specific issuer https://HOST/{tenant}/v2.0;
//   - the signing keys at /{tenant}/discovery/v2.0/keys (RS256, with kid);
//   - the token endpoint /{tenant}/oauth2/v2.0/token: client_credentials
//     (client_id and client_secret, scope RESOURCE/.default, the app's
//     application permissions in roles) and authorization_code with PKCE
//     (the code single-use and short-lived, the code_verifier checked);
//   - the authorize endpoint /{tenant}/oauth2/v2.0/authorize, a small login
//     page on which a configured demo user is picked (no passwords);
//   - /{tenant}/oauth2/v2.0/logout, which forgets nothing and redirects to
//     post_logout_redirect_uri.
//
// Tokens carry the claims of Microsoft's access token claims reference
// (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference):
// aud, iss, iat, nbf, exp, tid, oid, sub, azp, azpacr, roles, scp, name,
// preferred_username, uti and ver "2.0"; a resource configured for v1.0
// tokens (Microsoft Graph) gets the v1.0 shape (iss https://sts.windows.net/{tenant}/,
// aud the resource URI, appid and appidacr instead of azp and azpacr). ID
// tokens follow the ID token claims reference
// (https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference).
// Errors are Entra's OAuth error JSON (error, error_description starting with
// the AADSTS code, error_codes, timestamp, trace_id, correlation_id,
// error_uri) with the codes of
// https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes;
// see errors.go for each.
//
// Times (iat, nbf, exp, the code's expiry) come from the injected
// mailops.Clock. With TLS the server presents a certificate from a lab CA
// generated at start; CACertPEM and Client give callers (azidentity, which
// insists on HTTPS) a way to trust it.
//
// Not modelled: refresh tokens, consent, conditional access, certificates
// and client assertions, the device code and on-behalf-of flows, the
// /common and /organizations authorities, and groups claims.
package entra
