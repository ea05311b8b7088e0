package entra

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// signer signs JWTs with one RS256 key, named by its kid.
type signer struct {
	key *rsa.PrivateKey
	kid string
}

func newSigner() (*signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("entra: signing key: %w", err)
	}
	// Entra's kid is the key's thumbprint; a SHA-256 of the modulus
	// serves the same purpose here.
	sum := sha256.Sum256(key.N.Bytes())
	return &signer{key: key, kid: b64(sum[:15])}, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwks is the key set document: the key with kid, use sig and no private
// part.
func (s *signer) jwks() map[string]any {
	return map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "kid": s.kid, "alg": "RS256",
		"n": b64(s.key.N.Bytes()), "e": b64(big.NewInt(int64(s.key.E)).Bytes()),
	}}}
}

// sign returns the compact JWS of claims with header typ JWT, alg RS256 and
// the key's kid.
func (s *signer) sign(claims map[string]any) (string, error) {
	h, err := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "kid": s.kid})
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("entra: claims: %w", err)
	}
	in := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("entra: sign: %w", err)
	}
	return in + "." + b64(sig), nil
}

func b64dec(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
