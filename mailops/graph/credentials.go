package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/mailops-dev/mailops/mailops"
)

// Credentials choose how the driver signs in as an app registration: a
// client secret, a certificate, or a managed identity (exactly one).
type Credentials struct {
	TenantID string
	ClientID string
	// ClientSecret signs in with a secret.
	ClientSecret string
	// CertificatePath is a PEM or PKCS#12 file holding the certificate and
	// its private key; CertificatePassword unlocks it if needed.
	CertificatePath     string
	CertificatePassword string
	// ManagedIdentity signs in as the Azure managed identity of the host
	// (ClientID selects a user-assigned one; empty uses the system one).
	ManagedIdentity bool
	// Transport, when set, carries the requests to Entra ID (a test's fake
	// identity endpoint); default azcore's HTTP client.
	Transport policy.Transporter
	// AuthorityHost, when set, is the Entra authority instead of
	// https://login.microsoftonline.com/ (a sovereign cloud, or the
	// training lab's fake Entra ID); instance discovery is then off, as
	// azidentity requires for an authority it does not know.
	AuthorityHost string
}

// redacted stands for a secret that is set, in everything that prints
// Credentials.
const redacted = "[redacted]"

func redact(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// credentialsView is Credentials with the secrets replaced, for printing.
type credentialsView struct {
	TenantID            string
	ClientID            string
	ClientSecret        string `json:",omitempty"`
	CertificatePath     string `json:",omitempty"`
	CertificatePassword string `json:",omitempty"`
	ManagedIdentity     bool   `json:",omitempty"`
	AuthorityHost       string `json:",omitempty"`
}

func (c Credentials) view() credentialsView {
	return credentialsView{TenantID: c.TenantID, ClientID: c.ClientID, ClientSecret: redact(c.ClientSecret),
		CertificatePath: c.CertificatePath, CertificatePassword: redact(c.CertificatePassword), ManagedIdentity: c.ManagedIdentity,
		AuthorityHost: c.AuthorityHost}
}

// String prints the Credentials with the client secret and the certificate
// password shown as [redacted] (fmt's %v, %+v, %s and %q use it).
func (c Credentials) String() string { return fmt.Sprintf("%+v", c.view()) }

// GoString is String for %#v.
func (c Credentials) GoString() string { return "graph.Credentials" + c.String() }

// LogValue logs the Credentials with their secrets redacted.
func (c Credentials) LogValue() slog.Value {
	v := c.view()
	return slog.GroupValue(slog.String("TenantID", v.TenantID), slog.String("ClientID", v.ClientID),
		slog.String("ClientSecret", v.ClientSecret), slog.String("CertificatePath", v.CertificatePath),
		slog.String("CertificatePassword", v.CertificatePassword), slog.Bool("ManagedIdentity", v.ManagedIdentity))
}

// MarshalJSON encodes the Credentials with their secrets redacted: they
// are never written to a file or a log as JSON.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.view()) }

// NewCredential returns the azidentity credential the Credentials describe.
// It does not contact Entra ID: refused credentials show on the first
// call, as an error matching mailops.ErrForbidden.
func NewCredential(c Credentials) (azcore.TokenCredential, error) {
	n := 0
	for _, set := range []bool{c.ClientSecret != "", c.CertificatePath != "", c.ManagedIdentity} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, &mailops.ValidationError{Field: "Credentials", Value: fmt.Sprint(n, " methods"),
			Reason: "set exactly one of ClientSecret, CertificatePath and ManagedIdentity"}
	}
	if c.ManagedIdentity {
		opts := &azidentity.ManagedIdentityCredentialOptions{}
		if c.ClientID != "" {
			opts.ID = azidentity.ClientID(c.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(opts)
	}
	if c.TenantID == "" {
		return nil, &mailops.ValidationError{Field: "Credentials.TenantID", Reason: "required"}
	}
	if c.ClientID == "" {
		return nil, &mailops.ValidationError{Field: "Credentials.ClientID", Reason: "required"}
	}
	co := policy.ClientOptions{Transport: c.Transport}
	custom := c.AuthorityHost != ""
	if custom {
		co.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: c.AuthorityHost, Services: cloud.AzurePublic.Services}
	}
	if c.ClientSecret != "" {
		cred, err := azidentity.NewClientSecretCredential(c.TenantID, c.ClientID, c.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: custom})
		if err != nil {
			return nil, err
		}
		return scrubbedCredential{inner: cred, secrets: []string{c.ClientSecret}}, nil
	}
	data, err := os.ReadFile(c.CertificatePath)
	if err != nil {
		return nil, &mailops.ValidationError{Field: "Credentials.CertificatePath", Value: c.CertificatePath, Reason: err.Error()}
	}
	var pw []byte
	if c.CertificatePassword != "" {
		pw = []byte(c.CertificatePassword)
	}
	certs, key, err := azidentity.ParseCertificates(data, pw)
	if err != nil {
		return nil, &mailops.ValidationError{Field: "Credentials.CertificatePath", Value: c.CertificatePath, Reason: "no usable certificate and key: " + err.Error()}
	}
	cred, err := azidentity.NewClientCertificateCredential(c.TenantID, c.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: custom})
	if err != nil {
		return nil, err
	}
	return scrubbedCredential{inner: cred, secrets: []string{c.CertificatePassword}}, nil
}

// scrubbedCredential is a credential whose errors never carry its secrets:
// Entra ID's error replies are quoted into azidentity's errors, and an
// identity endpoint (or a proxy in front of it) that echoes the request
// would otherwise put the client secret into the driver's errors and logs.
type scrubbedCredential struct {
	inner   azcore.TokenCredential
	secrets []string
}

// GetToken implements azcore.TokenCredential.
func (c scrubbedCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tk, err := c.inner.GetToken(ctx, opts)
	if err != nil {
		return tk, &scrubbedError{msg: scrubText(err.Error(), c.secrets), err: err}
	}
	return tk, nil
}

// scrubbedError is an error with its text scrubbed of secrets; errors.Is
// and errors.As still see the original (the driver classifies by it and
// prints only this text).
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }

// Unwrap returns the original error.
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubText replaces each secret (as is and URL-encoded, as in a token
// request's form body) with [redacted].
func scrubText(s string, secrets []string) string {
	for _, x := range secrets {
		if len(x) < 4 {
			continue
		}
		s = strings.ReplaceAll(s, x, redacted)
		s = strings.ReplaceAll(s, url.QueryEscape(x), redacted)
	}
	return s
}

// Environment variables ConfigFromEnv reads.
const (
	EnvTenantID            = "MAILOPS_TENANT_ID"
	EnvClientID            = "MAILOPS_CLIENT_ID"
	EnvClientSecret        = "MAILOPS_CLIENT_SECRET"
	EnvCertificatePath     = "MAILOPS_CERTIFICATE_PATH"
	EnvCertificatePassword = "MAILOPS_CERTIFICATE_PASSWORD"
	EnvManagedIdentity     = "MAILOPS_MANAGED_IDENTITY" // "1" or "true"
	EnvAnchorMailbox       = "MAILOPS_ANCHOR_MAILBOX"
	// EnvAuthorityHost is Credentials.AuthorityHost (the lab's fake Entra
	// ID: its ports file's "authority"; trust its CA with SSL_CERT_FILE).
	EnvAuthorityHost = "MAILOPS_AUTHORITY_HOST"
)

// ConfigFromEnv builds a Config from the MAILOPS_* environment variables
// (see docs/real-tenant.md).
func ConfigFromEnv() (Config, error) {
	mi := os.Getenv(EnvManagedIdentity)
	c := Credentials{
		TenantID: os.Getenv(EnvTenantID), ClientID: os.Getenv(EnvClientID), ClientSecret: os.Getenv(EnvClientSecret),
		CertificatePath: os.Getenv(EnvCertificatePath), CertificatePassword: os.Getenv(EnvCertificatePassword),
		AuthorityHost:   os.Getenv(EnvAuthorityHost),
		ManagedIdentity: mi == "1" || mi == "true",
	}
	if c.TenantID == "" {
		return Config{}, &mailops.ValidationError{Field: EnvTenantID, Reason: "not set"}
	}
	cred, err := NewCredential(c)
	if err != nil {
		return Config{}, err
	}
	return Config{TenantID: c.TenantID, Credential: cred, AnchorMailbox: os.Getenv(EnvAnchorMailbox)}, nil
}
