package graph

import (
	"crypto/rand"
	"fmt"
)

// newPassword returns a strong random password for a new mailbox or mail
// user (New-Mailbox/New-MailUser -Password): 20 characters from crypto/rand
// over letters, digits and symbols, with at least one of each class, as
// Entra's complexity rule asks. Nobody needs it: the account signs in after
// an admin resets it, or through federation. It is never logged: the
// driver's errors carry no request bodies.
func newPassword() (string, error) {
	const (
		lower  = "abcdefghijkmnopqrstuvwxyz"
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digits = "23456789"
		symbol = "!#%+-.:=?@^_~"
		n      = 20
	)
	all := lower + upper + digits + symbol
	var buf [n]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", fmt.Errorf("graph: generating a password: %w", err)
	}
	out := make([]byte, n)
	for i, b := range buf {
		set := all
		switch i {
		case 0:
			set = lower
		case 1:
			set = upper
		case 2:
			set = digits
		case 3:
			set = symbol
		}
		out[i] = set[int(b)%len(set)]
	}
	// Move the four fixed classes to random places.
	var perm [n]byte
	if _, err := rand.Read(perm[:]); err != nil {
		return "", fmt.Errorf("graph: generating a password: %w", err)
	}
	for i := n - 1; i > 0; i-- {
		j := int(perm[i]) % (i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}
