package entra

import (
	"net/url"
	"testing"
)

// BenchmarkClientCredentials is one client-credentials token request over
// loopback HTTP: form parsing, client authentication, claims and an RS256
// signature.
func BenchmarkClientCredentials(b *testing.B) {
	s, err := NewServer(testConfig(&manualClock{t: t0}))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := s.Client()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {daemonID}, "client_secret": {"daemon-secret"},
		"scope": {GraphResource + "/.default"}}
	for b.Loop() {
		res, err := c.PostForm(s.TokenURL(), form)
		if err != nil {
			b.Fatal(err)
		}
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
		res.Body.Close()
	}
}
