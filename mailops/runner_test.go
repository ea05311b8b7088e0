package mailops_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

const rdom = "depta.example.ac.jp"

func runnerFixture(t *testing.T) (*stepClock, *scriptDriver, *mailops.Client) {
	t.Helper()
	clk := newStepClock()
	d := newScriptDriver(clk)
	d.addVerified("example.ac.jp", rdom)
	for _, a := range []mailops.Address{"alice@example.ac.jp", "bob@example.ac.jp", "admins@example.ac.jp"} {
		require.NoError(t, d.CreateRecipient(context.Background(), mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: a.Local()}))
	}
	c := mailops.NewClient(d, mailops.Options{Clock: clk})
	return clk, d, c
}

func runnerPlan() *mailops.Plan {
	g := mailops.Group{PrimaryAddress: "office@" + rdom, Name: "office", Members: []mailops.Address{"alice@example.ac.jp"}, Owners: []mailops.Address{"admins@example.ac.jp"}}
	return &mailops.Plan{Name: "test", Steps: []mailops.Step{
		{ID: "relay", Actions: []mailops.Action{
			{Op: mailops.SetDomainType{Name: rdom, Type: mailops.InternalRelay, From: mailops.Authoritative}},
			{Wait: &mailops.Wait{For: 10 * time.Minute, Reason: "propagation"}},
		}},
		{ID: "groups", Actions: []mailops.Action{
			{Op: mailops.CreateGroup{Group: g}},
			{Wait: &mailops.Wait{For: time.Hour, Reason: "group propagation"}},
			{Op: mailops.SetGroupMembers{Group: g.PrimaryAddress, Members: []mailops.Address{"alice@example.ac.jp", "bob@example.ac.jp"}, From: g.Members}},
		}},
	}}
}

func TestRunnerRunsAndIsIdempotent(t *testing.T) {
	clk, d, c := runnerFixture(t)
	j := &mailops.MemJournal{}
	var events []string
	r := &mailops.Runner{Driver: c, Clock: clk, Journal: j, Progress: func(p mailops.Progress) { events = append(events, p.Step+"/"+p.Event) }}
	start := clk.Now()
	require.NoError(t, r.Run(context.Background(), runnerPlan()))
	assert.Equal(t, 70*time.Minute, clk.Now().Sub(start), "both waits were waited")
	g, err := d.GetGroup(context.Background(), "office@"+rdom)
	require.NoError(t, err)
	assert.ElementsMatch(t, []mailops.Address{"alice@example.ac.jp", "bob@example.ac.jp"}, g.Members)
	assert.Contains(t, events, "relay/start")

	writes := d.count("CreateGroup") + d.count("SetGroupMembers") + d.count("SetDomainType")
	events = nil
	require.NoError(t, r.Run(context.Background(), runnerPlan()), "a second run with the same journal")
	assert.Equal(t, writes, d.count("CreateGroup")+d.count("SetGroupMembers")+d.count("SetDomainType"), "nothing applied twice")
	for _, e := range events {
		assert.Contains(t, e, "/resumed")
	}

	// A fresh journal: an operation whose effect is present is not applied
	// again; one whose object a later operation changed is a conflict (only
	// the journal proves the later change was this plan's own).
	events = nil
	r2 := &mailops.Runner{Driver: c, Clock: clk, Progress: func(p mailops.Progress) {
		if p.Kind == "op" {
			events = append(events, p.Event)
		}
	}}
	err = r2.Run(context.Background(), runnerPlan())
	assert.ErrorIs(t, err, mailops.ErrConflict)
	assert.Equal(t, []string{"already-done", "failed"}, events)
}

func TestRunnerResumesAfterCrash(t *testing.T) {
	clk, d, c := runnerFixture(t)
	j := &mailops.MemJournal{}
	ctx, crash := context.WithCancel(context.Background())
	r := &mailops.Runner{Driver: c, Clock: clk, Journal: j, Progress: func(p mailops.Progress) {
		// Crash in the middle of the hour-long wait of step "groups".
		if p.Step == "groups" && p.Kind == "wait" && p.Event == "start" {
			crash()
		}
	}}
	err := r.Run(ctx, runnerPlan())
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, d.count("CreateGroup"))
	assert.Equal(t, 0, d.count("SetGroupMembers"))

	clk.Sleep(context.Background(), 20*time.Minute) // the runner was down for 20 minutes
	resumedAt := clk.Now()
	r2 := &mailops.Runner{Driver: c, Clock: clk, Journal: j}
	require.NoError(t, r2.Run(context.Background(), runnerPlan()))
	assert.Equal(t, 1, d.count("CreateGroup"), "the group is not created twice")
	assert.Equal(t, 1, d.count("SetGroupMembers"))
	assert.Equal(t, 40*time.Minute, clk.Now().Sub(resumedAt), "the wait resumes with only its remaining 40 minutes")
}

func TestRunnerRefusesToClobber(t *testing.T) {
	clk, d, c := runnerFixture(t)
	p := runnerPlan()
	r := &mailops.Runner{Driver: c, Clock: clk, Progress: func(pr mailops.Progress) {
		// Someone else changes the group's members during the wait.
		if pr.Step == "groups" && pr.Kind == "wait" && pr.Event == "start" {
			require.NoError(t, d.SetGroupMembers(context.Background(), "office@"+rdom, []mailops.Address{"admins@example.ac.jp"}))
		}
	}}
	err := r.Run(context.Background(), p)
	var ce *mailops.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, mailops.ErrConflict)
	assert.Contains(t, ce.Object, "office@"+rdom)
	g, err := d.GetGroup(context.Background(), "office@"+rdom)
	require.NoError(t, err)
	assert.Equal(t, []mailops.Address{"admins@example.ac.jp"}, g.Members, "the other change was not overwritten")
	assert.Equal(t, 1, d.count("SetGroupMembers"), "only the outside change")
}

func TestRunnerGatesAndManualDNS(t *testing.T) {
	clk, _, c := runnerFixture(t)
	tries := 0
	p := &mailops.Plan{Name: "gates", Steps: []mailops.Step{{ID: "s", Actions: []mailops.Action{
		{Check: &mailops.Check{Name: "third time lucky", Poll: time.Minute, Timeout: time.Hour, Run: func(context.Context) error {
			tries++
			if tries < 3 {
				return errors.New("not yet")
			}
			return nil
		}}},
		{DNS: &mailops.DNSChange{Domain: rdom, Add: []mailops.DNSRecord{{Type: "MX", Label: "@", Value: "x.mail.protection.outlook.com", TTL: 3600}}}},
	}}}}
	j := &mailops.MemJournal{}
	r := &mailops.Runner{Driver: c, Clock: clk, Journal: j}
	start := clk.Now()
	err := r.Run(context.Background(), p)
	var me *mailops.ManualStepError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, rdom, me.Change.Domain)
	assert.Equal(t, 3, tries)
	assert.Equal(t, 2*time.Minute, clk.Now().Sub(start), "polled twice")

	pub := &recordingPublisher{}
	r.DNS = pub
	require.NoError(t, r.Run(context.Background(), p), "resumed once the DNS publisher is there")
	assert.Equal(t, 3, tries, "the passed gate is not run again")
	require.Len(t, pub.changes, 1)

	never := &mailops.Plan{Name: "never", Steps: []mailops.Step{{ID: "s", Actions: []mailops.Action{
		{Check: &mailops.Check{Name: "never", Poll: time.Minute, Timeout: 5 * time.Minute, Run: func(context.Context) error { return errors.New("closed") }}},
	}}}}
	var ge *mailops.GateError
	require.ErrorAs(t, (&mailops.Runner{Driver: c, Clock: clk}).Run(context.Background(), never), &ge)
	assert.Equal(t, "never", ge.Check)
}

type recordingPublisher struct{ changes []mailops.DNSChange }

func (p *recordingPublisher) Publish(_ context.Context, c mailops.DNSChange) error {
	p.changes = append(p.changes, c)
	return nil
}

// proofDriver gives every domain Graph-like verification records.
type proofDriver struct{ *scriptDriver }

var proofTXT = mailops.DNSRecord{Type: "TXT", Label: "@", Value: "MS=ms12345678", TTL: 3600}

func (p proofDriver) GetDomain(ctx context.Context, name string) (mailops.Domain, error) {
	d, err := p.scriptDriver.GetDomain(ctx, name)
	d.VerificationRecords = []mailops.DNSRecord{proofTXT, {Type: "MX", Label: "@", Value: "ms12345678.msv1.invalid", Preference: 32767, TTL: 3600}}
	return d, err
}

func TestRunnerPublishesVerificationRecord(t *testing.T) {
	clk, d, _ := runnerFixture(t)
	_, err := d.AddDomain(context.Background(), "deptb.example.org")
	require.NoError(t, err)
	pub := &recordingPublisher{}
	p := &mailops.Plan{Name: "v", Steps: []mailops.Step{{ID: "s", Actions: []mailops.Action{{DNS: &mailops.DNSChange{Domain: "deptb.example.org", AddVerification: true}}}}}}
	require.NoError(t, (&mailops.Runner{Driver: proofDriver{d}, Clock: clk, DNS: pub}).Run(context.Background(), p))
	require.Len(t, pub.changes, 1)
	assert.Equal(t, []mailops.DNSRecord{proofTXT}, pub.changes[0].Add, "only the TXT proof, read from the tenant at run time")
	assert.False(t, pub.changes[0].AddVerification)
}

func TestFileJournal(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plan.journal")
	j := &mailops.FileJournal{Path: path}
	es, err := j.Entries(ctx)
	require.NoError(t, err)
	assert.Empty(t, es, "a missing file is an empty journal")
	e := mailops.JournalEntry{Plan: "p", Fingerprint: "f", Step: "s", Action: 1, Event: "done", At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	require.NoError(t, j.Append(ctx, e))
	require.NoError(t, j.Append(ctx, e))

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"plan":"p","finger`) // a crash in the middle of a write
	require.NoError(t, err)
	require.NoError(t, f.Close())
	es, err = j.Entries(ctx)
	require.NoError(t, err)
	assert.Equal(t, []mailops.JournalEntry{e, e}, es, "the torn last line is ignored")
	e2 := e
	e2.Action = 2
	require.NoError(t, j.Append(ctx, e2), "appending after a torn line (a resumed run)")
	es, err = j.Entries(ctx)
	require.NoError(t, err)
	assert.Equal(t, []mailops.JournalEntry{e, e, e2}, es, "the torn line was cut off, not joined to the new one")

	// A whole entry whose newline was lost is an entry, before and after
	// the next Append.
	line, err := json.Marshal(e)
	require.NoError(t, err)
	f, err = os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write(line)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	es, err = j.Entries(ctx)
	require.NoError(t, err)
	assert.Equal(t, []mailops.JournalEntry{e, e, e2, e}, es)
	require.NoError(t, j.Append(ctx, e2))
	es, err = j.Entries(ctx)
	require.NoError(t, err)
	assert.Equal(t, []mailops.JournalEntry{e, e, e2, e, e2}, es)

	require.NoError(t, os.WriteFile(path, []byte("{\"plan\":\"p\"}\nnot json\n{\"plan\":\"p\"}\n"), 0o600))
	_, err = j.Entries(ctx)
	assert.Error(t, err, "corruption in the middle is an error, not silently skipped")
}

func TestRunnerRefusesForeignJournal(t *testing.T) {
	clk, _, c := runnerFixture(t)
	j := &mailops.MemJournal{}
	require.NoError(t, j.Append(context.Background(), mailops.JournalEntry{Plan: "test", Fingerprint: "other", Step: "relay", Event: "done"}))
	err := (&mailops.Runner{Driver: c, Clock: clk, Journal: j}).Run(context.Background(), runnerPlan())
	assert.ErrorIs(t, err, mailops.ErrJournalMismatch)
}

func TestDiffApplyDiffIsEmpty(t *testing.T) {
	ctx := context.Background()
	clk, d, c := runnerFixture(t)
	require.NoError(t, d.SetForwarding(ctx, "bob@example.ac.jp", mailops.ForwardTo("alice@example.ac.jp", true)))
	want := mailops.DesiredState{
		Domains: []mailops.Domain{{Name: rdom, Type: mailops.InternalRelay}},
		Recipients: []mailops.Recipient{
			{Address: "bob@example.ac.jp", Kind: mailops.Mailbox, DisplayName: "bob", SimpleDisplayName: "Bob"},
		},
		Groups: []mailops.Group{{PrimaryAddress: "office@" + rdom, Name: "office", Members: []mailops.Address{"alice@example.ac.jp", "bob@example.ac.jp"},
			Owners: []mailops.Address{"admins@example.ac.jp"}, SendAs: []mailops.Address{"alice@example.ac.jp"}}},
		OutboundConnectors: []mailops.OutboundConnector{{Name: "legacy", Type: mailops.OnPremises, RecipientDomains: []string{rdom}, SmartHosts: []string{"mx." + rdom}, Enabled: true}},
		RemoteDomains:      []mailops.RemoteDomain{{Name: "Default", DomainName: "*", UseSimpleDisplayName: true}},
	}
	p, err := mailops.Diff(ctx, c, want)
	require.NoError(t, err)
	require.Len(t, p.Steps, 1)
	assert.Len(t, p.Steps[0].Actions, 6, "type, display name, forwarding, group, connector, remote domain")
	lines, err := (&mailops.Runner{Driver: c, Clock: clk}).DryRun(ctx, p)
	require.NoError(t, err)
	for _, l := range lines {
		assert.Equal(t, mailops.Ready, l.Status, l.Description)
	}
	require.NoError(t, (&mailops.Runner{Driver: c, Clock: clk}).Run(ctx, p))
	again, err := mailops.Diff(ctx, c, want)
	require.NoError(t, err)
	assert.Empty(t, again.Steps, "applying the plan and diffing again gives an empty plan")
	r, err := d.GetRecipient(ctx, "bob@example.ac.jp")
	require.NoError(t, err)
	assert.Empty(t, r.ForwardingSmtpAddress)
	assert.Equal(t, "Bob", r.SimpleDisplayName)
}
