package mailflow_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/spec"
)

func loadListSpec(t *testing.T, edit func(string) string) *spec.File {
	t.Helper()
	src, err := os.ReadFile("../../examples/specs/lists/spec.yaml")
	require.NoError(t, err)
	s := string(src)
	if edit != nil {
		s = edit(s)
	}
	f, err := spec.Parse(strings.NewReader(s), "spec.yaml")
	require.NoError(t, err)
	return f
}

// A ListDomain spec migrates under traffic: nothing lost, every list
// delivers to its subscribers as the list server did, the MX ends at
// Exchange Online, external subscribers' copies after the switch leave
// through Exchange Online, and the list server ends accepting only
// Exchange Online.
func TestListDomainSpecMigrates(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		w, rep := runSpec(t, loadListSpec(t, nil), seed)
		require.True(t, rep.NoLoss(), "seed=%d\n%s", seed, rep.String())
		assert.Empty(t, w.Differential(), "seed=%d", seed)
		assert.Positive(t, rep.Delivered, "seed=%d", seed)
		mx := w.DNS().MX("lists.example.ac.jp")
		require.Len(t, mx, 1)
		assert.True(t, strings.HasSuffix(mx[0].Host, ".mx.microsoft"), "seed=%d: MX %v", seed, mx)

		// A probe from the internet after the migration reached the
		// external subscriber through Exchange Online.
		probed := false
		for _, e := range w.Ledger().Events() {
			if e.Kind == mailflow.EvDeliver && e.Mailbox == mailflow.InternetMailbox("prof@gmail.example") && e.At.After(w.Start.Add(40*3600e9)) {
				probed = true
				assert.True(t, leftThroughEXO(e.Trail), "seed=%d: %v", seed, e.Trail)
			}
		}
		assert.True(t, probed, "seed=%d: no late delivery to prof@gmail.example", seed)
	}
}

// The list server reached directly (its name, not the MX) after the
// migration refuses mail that does not come through Exchange Online.
func TestListServerAcceptsOnlyEXOAfterTheMigration(t *testing.T) {
	w, _ := runSpec(t, loadListSpec(t, nil), 4)
	s, r := w.Open("mail.lists.example.ac.jp", mailflow.ClientInfo{}, mailflow.SessionLimits{})
	require.True(t, r.Positive(), r.String())
	require.True(t, s.Mail("someone@outside.example").Positive())
	got := s.Rcpt("seminar@lists.example.ac.jp")
	assert.Equal(t, mailflow.ReplyListOnlyEXO, got)
}

// A subscriber in a tenant domain who is not a tenant recipient is a
// spec error naming the field.
func TestListDomainSpecRefusesAnUnknownTenantSubscriber(t *testing.T) {
	f := loadListSpec(t, func(s string) string {
		return strings.Replace(s, "carol@example.ac.jp, old.friend", "nobody@example.ac.jp, old.friend", 1)
	})
	_, err := mailflow.NewSpecWorld(testConfig(1), f)
	var ve *mailops.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "listDomain.lists[1].subscribers[0]", ve.Field)
}
