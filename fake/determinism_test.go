package fake_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// busyRun drives a default-config tenant (latency, lagging reads, sessions,
// throttling, random faults) from several admins' processes and returns its
// call log and final mail view as text. Four processes per admin against
// a limit of three.
func busyRun(t *testing.T, seed uint64) []string {
	s := sim.New(seed)
	defer s.Close()
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.DefaultTenantConfig()
	cfg.Throttle = fake.Throttle{Rate: 2, Burst: 5}
	cfg.SessionLimit = 3 // four workers per admin exceed it
	cfg.Faults = fake.RandomFaults{Throttle: 0.05, Unavailable: 0.05, ReplyLost: 0.05, ThrottleRetryAfter: fake.Uniform(time.Second, 5*time.Second)}
	tn := cloud.NewTenant("contoso", cfg)
	admin := tn.Driver("root")
	s.Go(func() {
		for {
			dom, err := admin.AddDomain(bg, "contoso.com")
			if err == nil || assert.ErrorIs(t, err, mailops.ErrExists) {
				if err == nil {
					cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
				}
				break
			}
			_ = s.Sleep(bg, 5*time.Second)
		}
	})
	require.NoError(t, s.Run())
	var out []string
	for w := 0; w < 8; w++ {
		d := tn.Driver(fmt.Sprintf("admin%d", w%2))
		s.Go(func() {
			for i := 0; i < 15; i++ {
				_, _ = d.VerifyDomain(bg, "contoso.com")
				a := mailops.Address(fmt.Sprintf("u%d-%d@contoso.com", w, i))
				_ = d.CreateRecipient(bg, mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: "U"})
				_ = d.CreateGroup(bg, mailops.Group{PrimaryAddress: "g" + a, Name: "g" + string(a), Members: []mailops.Address{a}, Owners: []mailops.Address{a}})
				_, _ = d.ListGroups(bg)
				_ = s.Sleep(bg, time.Duration(i)*time.Second)
			}
		})
	}
	require.NoError(t, s.RunFor(2*time.Hour))
	for _, c := range tn.CallLog() {
		out = append(out, fmt.Sprintf("%s %s %s %s %s %v %s", c.Admin, c.Op, c.Target, c.Start.Format(time.RFC3339Nano), c.End.Format(time.RFC3339Nano), c.Err, c.RetryAfter))
	}
	v := tn.MailView()
	for _, d := range v.AcceptedDomains() {
		out = append(out, "domain "+d.Name)
	}
	return out
}

func TestSameSeedSameRun(t *testing.T) {
	a, b := busyRun(t, 11), busyRun(t, 11)
	require.Equal(t, a, b, "a seed reproduces every call, its timing and its outcome")
	assert.NotEqual(t, a, busyRun(t, 12), "another seed gives another run")
	outcomes := map[string]bool{}
	for _, line := range a {
		switch {
		case strings.Contains(line, "too many concurrent sessions"):
			outcomes["sessions"] = true
		case strings.Contains(line, "throttled"):
			outcomes["throttled"] = true
		case strings.Contains(line, "reply was lost"):
			outcomes["reply lost"] = true
		}
	}
	assert.Len(t, outcomes, 3, "the workload exercises sessions, throttling and lost replies: %v", outcomes)
}
