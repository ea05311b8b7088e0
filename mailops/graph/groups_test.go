package graph_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/internal/exoref"
	"github.com/mailops-dev/mailops/mailops"
)

// groupWorld makes a verified, accepted domain with an admin mailbox, a
// mail contact and a security group owned by the admin.
func groupWorld(t *testing.T) (*world, mailops.Group) {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t, 11, 2)
	w.verifiedDomain(t, "contoso.example")
	require.NoError(t, w.d.CreateRecipient(ctx, mailops.Recipient{Address: "admin@contoso.example", Kind: mailops.Mailbox, DisplayName: "Admin"}))
	require.NoError(t, w.d.CreateRecipient(ctx, mailops.Recipient{Address: "ext@partner.example", Kind: mailops.MailContact, DisplayName: "Partner"}))
	w.settle(t)
	admins := mailops.Group{PrimaryAddress: "admins@contoso.example", Type: mailops.Security, Name: "Contoso admins",
		Owners: []mailops.Address{"admin@contoso.example"}, Members: []mailops.Address{"admin@contoso.example"}, RequireSenderAuthentication: true}
	require.NoError(t, w.d.CreateGroup(ctx, admins))
	w.settle(t)
	g := mailops.Group{PrimaryAddress: "dept@contoso.example", Name: "部署 00", Owners: []mailops.Address{"admins@contoso.example", "admin@contoso.example"},
		Members: []mailops.Address{"ext@partner.example"}, RequireSenderAuthentication: true, SimpleDisplayName: "Dept 00"}
	require.NoError(t, w.d.CreateGroup(ctx, g))
	w.settle(t)
	return w, g
}

// Owners come from ManagedBy (names, resolved with Get-Recipient), not from
// Graph's /owners, which is empty for groups created in Exchange: re-running
// the create check finds the group Done instead of a conflict.
func TestGroupOwnersFromManagedByAndCreateCheckIsDone(t *testing.T) {
	ctx := context.Background()
	w, g := groupWorld(t)
	got, err := w.d.GetGroup(ctx, g.PrimaryAddress)
	require.NoError(t, err)
	assert.ElementsMatch(t, g.Owners, got.Owners)
	assert.Equal(t, mailops.Distribution, got.Type)
	assert.Equal(t, "Dept 00", got.SimpleDisplayName)
	st, err := mailops.CreateGroup{Group: g}.Check(ctx, w.d)
	require.NoError(t, err)
	assert.Equal(t, mailops.Done, st)
	for _, r := range w.srv.Requests() {
		assert.NotContains(t, r, "/owners", "owners are never read from Graph")
	}

	list, err := w.d.ListGroups(ctx)
	require.NoError(t, err)
	var types []mailops.GroupType
	for _, x := range list {
		types = append(types, x.Type)
	}
	assert.Equal(t, []mailops.GroupType{mailops.Security, mailops.Distribution}, types, "ListGroups includes the mail-enabled security group")
}

// Every group-modifying cmdlet carries -BypassSecurityGroupManagerCheck, and
// New-DistributionGroup sends -Alias (the local part) and -Type.
func TestGroupCmdletsBypassManagerCheckAndSendAlias(t *testing.T) {
	ctx := context.Background()
	w, g := groupWorld(t)
	require.NoError(t, w.d.SetGroupMembers(ctx, g.PrimaryAddress, []mailops.Address{"admin@contoso.example"}))
	require.NoError(t, w.d.SetGroupSenderAuthentication(ctx, g.PrimaryAddress, false))
	require.NoError(t, w.d.SetGroupSimpleDisplayName(ctx, g.PrimaryAddress, ""))
	require.NoError(t, w.d.DeleteGroup(ctx, g.PrimaryAddress))
	modifying := []string{"Set-DistributionGroup", "Update-DistributionGroupMember", "Add-DistributionGroupMember", "Remove-DistributionGroup"}
	seen := map[string]bool{}
	for _, c := range w.srv.Calls() {
		if slices.Contains(modifying, c.Cmdlet) {
			seen[c.Cmdlet] = true
			assert.Contains(t, c.Parameters, "BypassSecurityGroupManagerCheck", "%s %v", c.Cmdlet, c.Parameters)
		}
		if c.Cmdlet == "New-DistributionGroup" {
			assert.Subset(t, c.Parameters, []string{"Alias", "Type", "ManagedBy", "Members"})
		}
	}
	assert.Len(t, seen, 3, "Set-, Update- and Remove- were sent: %v", seen)
}

// Mailboxes are New-Mailbox with MicrosoftOnlineServicesID and Password,
// never Graph POST /users; mail users never send the on-premises-only
// PrimarySmtpAddress; forwarding is refused for a contact before any write.
func TestRecipientsThroughExchangeCmdlets(t *testing.T) {
	ctx := context.Background()
	w, _ := groupWorld(t)
	require.NoError(t, w.d.CreateRecipient(ctx, mailops.Recipient{Address: "mu@contoso.example", Kind: mailops.MailUser, DisplayName: "MU",
		ExternalAddress: "mu@ext.example", SimpleDisplayName: "MU"}))
	for _, r := range w.srv.Requests() {
		assert.NotEqual(t, "POST /v1.0/users", r)
	}
	for _, c := range w.srv.Calls() {
		switch c.Cmdlet {
		case "New-Mailbox", "New-MailUser":
			assert.Subset(t, c.Parameters, []string{"MicrosoftOnlineServicesID", "Password", "Name"})
			assert.NotContains(t, c.Parameters, "PrimarySmtpAddress")
		}
	}
	before := len(w.srv.Calls())
	err := w.d.SetForwarding(ctx, "ext@partner.example", mailops.ForwardTo("x@other.example", false))
	assert.ErrorIs(t, err, mailops.ErrInvalid)
	for _, c := range w.srv.Calls()[before:] {
		assert.True(t, strings.HasPrefix(c.Cmdlet, "Get-"), "only reads before the refusal: %v", c)
	}
	require.NoError(t, w.d.SetForwarding(ctx, "admin@contoso.example", mailops.Forwarding{Address: "mu@contoso.example", SmtpAddress: "y@other.example", KeepCopy: true}))
	w.settle(t)
	got, err := w.d.GetRecipient(ctx, "admin@contoso.example")
	require.NoError(t, err)
	assert.Equal(t, mailops.Forwarding{Address: "mu@contoso.example", SmtpAddress: "y@other.example", KeepCopy: true}, got.Forwarding(),
		"ForwardingAddress (a name in Exchange's output) resolved to the primary address")
	c, err := w.d.GetRecipient(ctx, "ext@partner.example")
	require.NoError(t, err)
	assert.Equal(t, mailops.MailContact, c.Kind)
	require.NoError(t, w.d.DeleteRecipient(ctx, "ext@partner.example"))
}

// checkCalls asserts every recorded InvokeCommand passes the reference.
func checkCalls(t *testing.T, w *world) int {
	t.Helper()
	ref := exoref.Default()
	calls := w.srv.Calls()
	for _, c := range calls {
		assert.NoError(t, ref.CheckCmdlet(c.Cmdlet, c.Parameters), "%s %v", c.Cmdlet, c.Parameters)
	}
	return len(calls)
}
