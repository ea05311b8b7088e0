package delegate

import (
	"context"
	"encoding/base64"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
	"github.com/mailops-dev/mailops/mailops"
)

func notifyReq(st State) Request {
	return Request{ID: "r1", Kind: ReplaceTargets, Domain: "depta.example.ac.jp", Local: "office", State: st,
		Submitter: "alice", SubmitterEmail: "alice@depta.example.ac.jp", Reason: "still in use"}
}

func TestComposeBilingualAutoSubmitted(t *testing.T) {
	approvers := []mailops.Address{"it@example.ac.jp"}
	for _, c := range []struct {
		st     State
		ja, en string
		to     int
	}{
		{AwaitingApproval, "承認待ち", "Awaiting approval", 2},
		{Done, "反映されました", "is done", 1},
		{Failed, "失敗", "failed", 1},
		{Rejected, "却下", "rejected: still in use", 1},
	} {
		n, ok := Compose(notifyReq(c.st), "mailops@example.ac.jp", approvers, t0, "m1")
		if !ok || len(n.To) != c.to {
			t.Fatalf("%s: ok=%v to=%v", c.st, ok, n.To)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(n.Message)))
		if err != nil {
			t.Fatalf("%s: %v", c.st, err)
		}
		if m.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("%s: Auto-Submitted %q", c.st, m.Header.Get("Auto-Submitted"))
		}
		subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil || !strings.Contains(subj, "office@depta.example.ac.jp") {
			t.Errorf("%s: subject %q %v", c.st, subj, err)
		}
		raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(readAll(t, m), "\r\n", ""))
		if err != nil {
			t.Fatalf("%s: body: %v", c.st, err)
		}
		body := string(raw)
		if !strings.Contains(subj+body, c.ja) || !strings.Contains(subj+body, c.en) {
			t.Errorf("%s: wants %q and %q in %q / %q", c.st, c.ja, c.en, subj, body)
		}
	}
	for _, st := range []State{Submitted, Queued, Applying, Converged, Cancelled} {
		if _, ok := Compose(notifyReq(st), "mailops@example.ac.jp", approvers, t0, "m"); ok {
			t.Errorf("%s sends a mail", st)
		}
	}
}

func readAll(t *testing.T, m *mail.Message) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := m.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// relay serves a mail world's host on loopback; its ledger sees the
// notifications delivered.
type relay struct {
	srv   *smtpserve.Server
	world *mailflow.World
	addr  string
	// data is signalled after each message the world takes in (an SMTP
	// DATA): delivered then sees it.
	data broadcast
}

func newRelay(t *testing.T, mailboxes ...mailops.Address) *relay {
	t.Helper()
	w := mailflow.NewWorld(mailflow.Config{Seed: 1, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig()})
	l := w.AddLegacy("mx.univ.example", time.Hour, "depta.example.ac.jp", "deptb.example.ac.jp", "example.ac.jp")
	for _, m := range mailboxes {
		l.AddMailbox(m)
	}
	srv := smtpserve.New(w)
	t.Cleanup(func() { _ = srv.Close() })
	rl := &relay{srv: srv, world: w}
	srv.SetHooks(smtpserve.Hooks{Record: func(c smtpserve.Command, _ mailflow.Reply) {
		if c.Op == smtpserve.CmdData {
			rl.data.signal()
		}
	}})
	addr, err := srv.Listen(smtpserve.HostConfig{Host: "mx.univ.example"})
	if err != nil {
		t.Fatal(err)
	}
	rl.addr = addr
	return rl
}

// delivered lists, per recipient, the envelope senders of delivered mail.
func (r *relay) delivered() map[mailops.Address][]mailops.Address {
	out := map[mailops.Address][]mailops.Address{}
	r.srv.Do(func() {
		_ = r.world.Scheduler().RunFor(time.Hour)
		msgs := r.world.Ledger().Messages()
		for _, e := range r.world.Ledger().Events() {
			if e.Kind == mailflow.EvDeliver {
				for _, m := range msgs {
					if m.ID == e.Msg {
						out[e.Orig] = append(out[e.Orig], m.From)
					}
				}
			}
		}
	})
	return out
}

func TestMailNotifierThroughSMTP(t *testing.T) {
	rl := newRelay(t, "alice@depta.example.ac.jp", "it@example.ac.jp")
	n := &MailNotifier{Relay: rl.addr, From: "mailops@example.ac.jp", Approvers: []mailops.Address{"it@example.ac.jp"}, Clock: mailops.WallClock{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, st := range []State{AwaitingApproval, Done, Failed, Rejected, Queued} {
		if err := n.Notify(ctx, notifyReq(st)); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	got := rl.delivered()
	if len(got["alice@depta.example.ac.jp"]) != 4 || len(got["it@example.ac.jp"]) != 1 {
		t.Fatalf("deliveries %v: want 4 to alice (every notifying state) and 1 to IT (awaiting approval)", got)
	}
	if !slices.Contains(got["it@example.ac.jp"], "mailops@example.ac.jp") {
		t.Fatalf("sender: %v", got)
	}
	bad := &MailNotifier{Relay: "127.0.0.1:1", From: "mailops@example.ac.jp", Clock: mailops.WallClock{}}
	if err := bad.Notify(ctx, notifyReq(Done)); err == nil {
		t.Fatal("a relay that is down must give an error")
	}
}
