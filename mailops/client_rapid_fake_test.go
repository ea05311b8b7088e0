package mailops_test

import (
	"context"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// fakeTenantBackend runs the state machine over the fake tenant: its own
// latency, session limit (which the Client's bound may exceed: then the
// tenant refuses and the Client retries), token-bucket throttling, seeded
// random faults and lagging admin reads.
func fakeTenantBackend(t *rapid.T) func(s *sim.Scheduler) rapidBackend {
	cfg := fake.InstantTenantConfig()
	cfg.Latency = fake.Uniform(0, time.Duration(rapid.IntRange(0, 5).Draw(t, "latencySec"))*time.Second)
	cfg.SessionLimit = 3
	cfg.Throttle = fake.Throttle{Rate: rapid.Float64Range(0.2, 5).Draw(t, "throttleRate"), Burst: rapid.IntRange(1, 20).Draw(t, "burst")}
	rate := rapid.Float64Range(0, 0.2).Draw(t, "faultRate")
	cfg.Faults = fake.RandomFaults{Throttle: rate / 3, Unavailable: rate / 3, ReplyLost: rate / 3, ThrottleRetryAfter: fake.Uniform(time.Second, time.Minute)}
	cfg.AdminLag = fake.AdminLag{Probability: rapid.Float64Range(0, 0.3).Draw(t, "lagProb"), Lag: fake.Uniform(0, 20*time.Second)}
	return func(s *sim.Scheduler) rapidBackend {
		cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
		tn := cloud.NewTenant("contoso", cfg)
		// Set the tenant up through an instant admin with no faults: the
		// domain and the people the groups are made of.
		seedTenant(t, s, cloud, tn)
		const admin = "admin"
		return rapidBackend{
			driver: tn.Driver(admin),
			calls: func() []loggedCall {
				var out []loggedCall
				for _, c := range tn.CallLog() {
					if c.Admin != admin {
						continue
					}
					lc := loggedCall{Op: c.Op, Start: c.Start, End: c.End, RetryAfter: c.RetryAfter, seq: [2]int{int(c.StartSeq), int(c.EndSeq)}}
					lc.After = func(o loggedCall) bool { return lc.seq[0] > o.seq[1] }
					out = append(out, lc)
				}
				return out
			},
			groups: tn.Groups,
			inject: func(op string, f fault) {
				kind := fake.FaultError
				if f.Apply {
					kind = fake.FaultReplyLost
				}
				tn.InjectFault(fake.Fault{Op: op, Kind: kind, Err: f.Err})
			},
		}
	}
}

// seedTenant adds the verified domain and the member pool, retrying through
// the tenant's own faults (setup is not under test).
func seedTenant(t *rapid.T, s *sim.Scheduler, cloud *fake.Cloud, tn *fake.Tenant) {
	c := mailops.NewClient(tn.Driver("setup"), mailops.Options{Clock: s, Retry: mailops.RetryOptions{MaxAttempts: 50}})
	var err error
	s.Go(func() {
		ctx := context.Background()
		var dom mailops.Domain
		if dom, err = c.AddDomain(ctx, tenantDomain); err != nil {
			return
		}
		cloud.PublishProof(tenantDomain, dom.VerificationRecords[0].Value)
		if _, err = c.VerifyDomain(ctx, tenantDomain); err != nil {
			return
		}
		if err = c.EnableEmail(ctx, tenantDomain); err != nil {
			return
		}
		if err = c.AwaitAccepted(ctx, tenantDomain); err != nil {
			return
		}
		for _, a := range memberPool {
			if err = c.CreateRecipient(ctx, mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: a.Local()}); err != nil {
				return
			}
		}
		err = s.Sleep(ctx, time.Minute) // let lagging reads catch up before the machine starts
	})
	if rerr := s.Run(); rerr != nil {
		t.Fatalf("setup: %v", rerr)
	}
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
}

func TestClientStateMachineFakeTenant(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newClientMachine(t, fakeTenantBackend(t))
		t.Repeat(m.actions())
		m.Run(t)
	})
}

// BenchmarkClientOps measures Client operations over the fake tenant (no
// latency, no lag): validation, policy, sessions and the tenant's own work.
func BenchmarkClientOps(b *testing.B) {
	s := sim.New(1)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	tn := cloud.NewTenant("contoso", fake.InstantTenantConfig())
	c := mailops.NewClient(tn.Driver("admin"), mailops.Options{Clock: s})
	ctx := context.Background()
	dom, err := c.AddDomain(ctx, tenantDomain)
	if err != nil {
		b.Fatal(err)
	}
	cloud.PublishProof(tenantDomain, dom.VerificationRecords[0].Value)
	if _, err := c.VerifyDomain(ctx, tenantDomain); err != nil {
		b.Fatal(err)
	}
	// Recipients need an accepted domain: enable Email and let it become
	// one (virtual time).
	if err := c.EnableEmail(ctx, tenantDomain); err != nil {
		b.Fatal(err)
	}
	for i := 0; ; i++ {
		if d, err := tn.Driver("admin").GetDomain(ctx, tenantDomain); err == nil && d.Accepted() {
			break
		}
		if i == 120 {
			b.Fatalf("%s is not an accepted domain two hours after EnableEmail", tenantDomain)
		}
		if err := s.RunFor(time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	for _, a := range memberPool {
		if err := c.CreateRecipient(ctx, mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: a.Local()}); err != nil {
			b.Fatal(err)
		}
	}
	benchOps(b, c)
}
