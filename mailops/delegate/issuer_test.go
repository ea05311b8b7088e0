package delegate

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake/entra"
)

// issuer is the tests' OpenID Connect issuer: a fake Entra ID tenant
// (fake/entra) on loopback, minting access tokens with any claims.
type issuer struct {
	ent *entra.Server
	// srv.URL is the tenant-specific issuer URL.
	srv struct{ URL string }
}

// audience is the API's application (client) ID: the aud of its v2.0
// access tokens.
const audience = "6f1c2e4a-0b7d-4c3e-9a5f-2d8e1b0c7a11"

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	ent, err := entra.NewServer(entra.Config{Resources: []entra.Resource{{AppID: audience, IdentifierURI: "api://mailops-delegate"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ent.Close() })
	is := &issuer{ent: ent}
	is.srv.URL = ent.Issuer()
	return is
}

// token mints an access token for sub with roles, valid for an hour from now;
// extra claims override the defaults.
func (is *issuer) token(t *testing.T, sub, email string, roles []string, extra map[string]any) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{"iss": is.srv.URL, "aud": audience, "sub": sub, "email": email, "roles": roles,
		"tid": is.ent.TenantID(), "ver": "2.0", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range extra {
		claims[k] = v
	}
	tok, err := is.ent.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// sign signs claims with a key the issuer does not publish.
func (is *issuer) sign(t *testing.T, claims map[string]any, key *rsa.PrivateKey) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	p, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	signing := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + b64(sig)
}
