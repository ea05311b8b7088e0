package lab

import (
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// need returns the path of a client the test drives, failing (never
// skipping) when it is missing: .ci/run installs it.
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: install the Debian package %s (.ci/run does)", tool, pkg)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestDigAgainstTheLab(t *testing.T) {
	dig := need(t, "dig", "bind9-dnsutils")
	l := startLab(t, "consolidation.yaml", 1)
	host, port, _ := net.SplitHostPort(l.Ports().DNS)
	for _, proto := range []string{"+notcp", "+tcp"} {
		out := run(t, dig, "@"+host, "-p", port, proto, "+short", "+time=2", "+tries=1", "MX", "depta.example.ac.jp")
		if !strings.Contains(out, "mx.depta.example.ac.jp.") {
			t.Errorf("dig %s MX depta.example.ac.jp: %q, want the legacy MX", proto, out)
		}
	}
}

func TestSwaksAndIMAPReadADeliveredMessage(t *testing.T) {
	swaks := need(t, "swaks", "swaks")
	l := startLab(t, "consolidation.yaml", 1)
	p := l.Ports()
	host, port, _ := net.SplitHostPort(p.SMTP["legacy"])
	out := run(t, swaks, "--server", host, "--port", port, "--from", "someone@outside.example",
		"--to", "office@depta.example.ac.jp", "--header", "Subject: hello from swaks", "--timeout", "10")
	if !queued(out) {
		t.Fatalf("swaks to the legacy server was not queued:\n%s", out)
	}
	// Submission on 587 with AUTH: a wrong password is refused, the right
	// one submits inside the tenant. (bob forwards everything to lab@depta:
	// the spec's hazard, so alice is the reader here.)
	shost, sport, _ := net.SplitHostPort(p.SMTP["submission"])
	bad, _ := exec.Command(swaks, "--server", shost, "--port", sport, "--from", "bob@example.ac.jp", "--to", "alice@example.ac.jp",
		"--auth", "PLAIN", "--auth-user", "bob@example.ac.jp", "--auth-password", "wrong", "--timeout", "10").CombinedOutput()
	if queued(string(bad)) {
		t.Errorf("submission with a wrong password was accepted:\n%s", bad)
	}
	out = run(t, swaks, "--server", shost, "--port", sport, "--from", "bob@example.ac.jp", "--to", "alice@example.ac.jp",
		"--auth", "PLAIN", "--auth-user", "bob@example.ac.jp", "--auth-password", IMAPPassword, "--timeout", "10")
	if !queued(out) {
		t.Fatalf("authenticated submission was not queued:\n%s", out)
	}
	post(t, l, Action{Op: "advance", Duration: "10m"})

	c, err := imapclient.DialInsecure(p.IMAP, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice@example.ac.jp", "nope").Wait(); err == nil {
		t.Error("IMAP login with a wrong password succeeded")
	}
	if err := c.Login("alice@example.ac.jp", IMAPPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	mbox, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if mbox.NumMessages == 0 {
		t.Fatal("alice's INBOX is empty after the deliveries")
	}
	msgs, err := c.Fetch(imap.SeqSetNum(seqs(mbox.NumMessages)...), &imap.FetchOptions{Envelope: true,
		BodySection: []*imap.FetchItemBodySection{{}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var viaLegacy, fromBob bool
	for _, m := range msgs {
		if m.Envelope == nil || len(m.Envelope.From) == 0 {
			continue
		}
		var body string
		for _, b := range m.BodySection {
			body = string(b.Bytes)
		}
		from := m.Envelope.From[0].Addr()
		if from == "someone@outside.example" && strings.Contains(m.Envelope.Subject, "(smtp)") && strings.Contains(body, "office@depta.example.ac.jp") {
			viaLegacy = true
		}
		if from == "bob@example.ac.jp" && strings.Contains(m.Envelope.Subject, "(smtp)") {
			fromBob = true
		}
	}
	if !viaLegacy {
		t.Errorf("alice did not receive swaks's message to office@ through the legacy alias (%d messages)", len(msgs))
	}
	if !fromBob {
		t.Errorf("alice did not receive bob's authenticated submission (%d messages)", len(msgs))
	}
}

func seqs(n uint32) []uint32 {
	out := make([]uint32, 0, n)
	for i := uint32(1); i <= n; i++ {
		out = append(out, i)
	}
	return out
}

// queued reports whether swaks's transcript shows the message accepted
// after DATA.
func queued(transcript string) bool {
	for _, line := range strings.Split(transcript, "\n") {
		if strings.Contains(line, "<-  250") && strings.Contains(line, "queued") {
			return true
		}
	}
	return false
}
