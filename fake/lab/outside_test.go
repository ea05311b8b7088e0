package lab

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/fake/graphserver"
)

// TestReplayIncludesOutsideClients: a trainee creates a group through the
// Exchange admin API and sends mail with swaks (to the legacy server, and
// authenticated submission to the new group); the control log holds their
// SMTP commands and API request, without the password or the bearer token,
// and its replay gives the live ledger bit for bit. Without the trainee's
// traffic the replay differs.
func TestReplayIncludesOutsideClients(t *testing.T) {
	swaks := need(t, "swaks", "swaks")
	l := startLab(t, "consolidation.yaml", 3)
	p := l.Ports()

	body := `{"CmdletInput":{"CmdletName":"New-DistributionGroup","Parameters":{"Name":"Team","PrimarySmtpAddress":"team@example.ac.jp",` +
		`"Members":["alice@example.ac.jp","bob@example.ac.jp"],"ManagedBy":["it@example.ac.jp"]}}}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+p.Graph+"/adminapi/beta/"+graphserver.DefaultTenantID+"/InvokeCommand",
		bytes.NewReader([]byte(body)))
	token := labToken(t, l, ExchangeResource)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("New-DistributionGroup: %s", res.Status)
	}
	// A request without a token is refused, live and in the replay.
	anon, err := http.Get("http://" + p.Graph + "/v1.0/domains")
	if err != nil {
		t.Fatal(err)
	}
	anon.Body.Close()
	if anon.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET without a token: %s, want 401", anon.Status)
	}
	post(t, l, Action{Op: "advance", Duration: "2h"}) // the group reaches mail flow

	host, port, _ := net.SplitHostPort(p.SMTP["legacy"])
	if out := run(t, swaks, "--server", host, "--port", port, "--from", "someone@outside.example",
		"--to", "office@depta.example.ac.jp", "--timeout", "10"); !queued(out) {
		t.Fatalf("swaks to the legacy server was not queued:\n%s", out)
	}
	shost, sport, _ := net.SplitHostPort(p.SMTP["submission"])
	if out := run(t, swaks, "--server", shost, "--port", sport, "--from", "alice@example.ac.jp", "--to", "team@example.ac.jp",
		"--auth", "PLAIN", "--auth-user", "alice@example.ac.jp", "--auth-password", IMAPPassword, "--timeout", "10"); !queued(out) {
		t.Fatalf("submission to the new group was not queued:\n%s", out)
	}
	post(t, l, Action{Op: "advance", Duration: "1h"})

	log := l.Log()
	live := l.LedgerDigest()
	var smtpOps []string
	graphCalls := 0
	for _, a := range log.Actions {
		switch a.Op {
		case opSMTP:
			smtpOps = append(smtpOps, a.SMTP.Op)
		case opGraph:
			graphCalls++
		}
	}
	if graphCalls != 2 {
		t.Errorf("control log has %d Graph requests, want 2", graphCalls)
	}
	for _, op := range []string{"open", "auth", "mail", "rcpt", "data"} {
		if !slices.Contains(smtpOps, op) {
			t.Errorf("control log has no SMTP %s: %v", op, smtpOps)
		}
	}
	raw, _ := json.Marshal(log)
	// (The AUTH password, "lab", is too short to look for: AUTH is
	// recorded as the user only, by construction of smtpserve.Command.)
	for _, secret := range []string{token, LabClientSecret} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the control log carries a credential %q", secret)
		}
	}

	led, err := Replay(loadScenario(t, "consolidation.yaml"), log)
	if err != nil {
		t.Fatal(err)
	}
	if got := led.Digest; got != live {
		t.Errorf("replay with outside clients differs from the live run: %s vs %s", got, live)
	}
	team := 0
	for _, m := range led.Ledger.Messages() {
		if slices.Contains(m.To, "team@example.ac.jp") {
			team++
		}
	}
	if team != 1 {
		t.Errorf("the replay has %d messages to the trainee's group, want 1", team)
	}

	bare := log
	bare.Actions = slices.DeleteFunc(slices.Clone(log.Actions), func(a Action) bool { return a.Op == opSMTP || a.Op == opGraph })
	led, err = Replay(loadScenario(t, "consolidation.yaml"), bare)
	if err != nil {
		t.Fatal(err)
	}
	if led.Digest == live {
		t.Error("the replay without the trainee's traffic gave the same ledger")
	}
}

// TestControlAPIRefusesRecordedOps: smtp and graph actions come from
// outside clients only.
func TestControlAPIRefusesRecordedOps(t *testing.T) {
	for _, op := range []string{opSMTP, opGraph} {
		if err := (Action{Op: op}).validate(); err == nil {
			t.Errorf("validate accepted a %s action", op)
		}
	}
}
