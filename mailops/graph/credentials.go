package graph

import (
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
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
}

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
	if c.ClientSecret != "" {
		return azidentity.NewClientSecretCredential(c.TenantID, c.ClientID, c.ClientSecret, nil)
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
	return azidentity.NewClientCertificateCredential(c.TenantID, c.ClientID, certs, key, nil)
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
)

// ConfigFromEnv builds a Config from the MAILOPS_* environment variables
// (see docs/real-tenant.md).
func ConfigFromEnv() (Config, error) {
	mi := os.Getenv(EnvManagedIdentity)
	c := Credentials{
		TenantID: os.Getenv(EnvTenantID), ClientID: os.Getenv(EnvClientID), ClientSecret: os.Getenv(EnvClientSecret),
		CertificatePath: os.Getenv(EnvCertificatePath), CertificatePassword: os.Getenv(EnvCertificatePassword),
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
