package entra_test

import (
	"context"
	"fmt"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/mailops-dev/mailops/fake/entra"
)

// A migration script gets an app-only Microsoft Graph token with client
// credentials, as it would from Entra ID.
func ExampleNewServer() {
	s, err := entra.NewServer(entra.Config{Apps: []entra.App{{
		ClientID: "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d", Secret: "lab-secret",
		Roles: map[string][]string{entra.GraphResource: {"Group.ReadWrite.All"}},
	}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	cc := clientcredentials.Config{ClientID: "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d", ClientSecret: "lab-secret",
		TokenURL: s.TokenURL(), Scopes: []string{entra.GraphResource + "/.default"}}
	tok, err := cc.Token(context.Background())
	fmt.Println(tok.TokenType, err)
	// Output: Bearer <nil>
}
