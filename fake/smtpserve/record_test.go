package smtpserve_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
)

// TestPlayerReplaysARecording records real SMTP traffic (go-smtp's client:
// good mail, an unknown user, a fault at RCPT with a count the commands use
// up, an aborted transaction) and plays the commands onto a second world
// built the same way: both ledgers hold the same events, reply for reply.
func TestPlayerReplaysARecording(t *testing.T) {
	w, srv := world(t)
	var mu sync.Mutex
	var rec []smtpserve.Command
	var replies []mailflow.Reply
	srv.SetHooks(smtpserve.Hooks{Record: func(c smtpserve.Command, r mailflow.Reply) {
		mu.Lock()
		defer mu.Unlock()
		rec = append(rec, c)
		replies = append(replies, r)
	}})
	srv.Do(func() {
		w.InjectSMTPFault(mailflow.SMTPFault{Host: legacyHost, Stage: mailflow.StageRcpt, Rcpt: bob, Count: 1,
			Reply: mailflow.Reply{Code: 451, Enhanced: "4.3.0", Text: "try later"}})
	})
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	require.NoError(t, send(addr, string(carol), []string{string(alice)}, message(string(carol), string(alice), "1@x", "one")))
	assert.Error(t, send(addr, string(carol), []string{string(bob)}, message(string(carol), string(bob), "2@x", "two")))
	assert.Error(t, send(addr, string(carol), []string{"nobody@dept.example"}, message(string(carol), "nobody@dept.example", "3@x", "three")))
	require.NoError(t, send(addr, string(carol), []string{string(bob), string(team)}, message(string(carol), string(team), "4@x", "four")))
	srv.Do(func() { require.NoError(t, w.Scheduler().RunFor(3600e9)) })
	require.NoError(t, srv.Close())

	mu.Lock()
	defer mu.Unlock()
	ops := map[string]int{}
	for _, c := range rec {
		ops[c.Op]++
	}
	for _, op := range []string{smtpserve.CmdOpen, smtpserve.CmdMail, smtpserve.CmdRcpt, smtpserve.CmdData, smtpserve.CmdClose} {
		assert.Positive(t, ops[op], "no %s recorded: %v", op, ops)
	}

	w2, srv2 := world(t)
	srv2.Do(func() {
		w2.InjectSMTPFault(mailflow.SMTPFault{Host: legacyHost, Stage: mailflow.StageRcpt, Rcpt: bob, Count: 1,
			Reply: mailflow.Reply{Code: 451, Enhanced: "4.3.0", Text: "try later"}})
		p := smtpserve.NewPlayer(w2)
		for i, c := range rec {
			r, err := p.Apply(c)
			require.NoError(t, err)
			assert.Equal(t, replies[i], r, "command %d (%s %s)", i, c.Op, c.Arg)
		}
		require.NoError(t, w2.Scheduler().RunFor(3600e9))
	})
	assert.Equal(t, ledgerText(w), ledgerText(w2))
	assert.NotEmpty(t, w2.Ledger().Messages())

	// A command for a connection never opened is refused.
	_, err := smtpserve.NewPlayer(w2).Apply(smtpserve.Command{Conn: 99, Op: smtpserve.CmdMail, Arg: string(carol)})
	assert.Error(t, err)
}

func ledgerText(w *mailflow.World) []string {
	var out []string
	for _, e := range w.Ledger().Events() {
		out = append(out, fmt.Sprintf("%s %s %d %s %s %s", e.At, e.Kind, e.Msg, e.Rcpt, e.Host, e.Reply))
	}
	return out
}

// TestRecordingKeepsEachMessage sends three messages and an aborted
// transaction over one kept connection: each recorded DATA holds its own
// message (the server reads DATA into reused buffers), and a reset is
// recorded when it ends a transaction (RSET after MAIL), not after each
// DATA, which has ended it already.
func TestRecordingKeepsEachMessage(t *testing.T) {
	_, srv := world(t)
	var mu sync.Mutex
	var rec []smtpserve.Command
	srv.SetHooks(smtpserve.Hooks{Record: func(c smtpserve.Command, _ mailflow.Reply) {
		mu.Lock()
		defer mu.Unlock()
		rec = append(rec, c)
	}})
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	c, err := smtp.Dial(addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Hello("client.test"))
	var bodies []string
	for i, more := range []int{0, 500, 1} {
		body := message(string(carol), string(alice), fmt.Sprintf("%d@x", i), "s") + strings.Repeat("more text\r\n", more)
		bodies = append(bodies, body)
		require.NoError(t, c.Mail(string(carol), nil))
		require.NoError(t, c.Rcpt(string(alice), nil))
		wc, err := c.Data()
		require.NoError(t, err)
		_, err = wc.Write([]byte(body))
		require.NoError(t, err)
		require.NoError(t, wc.Close())
	}
	require.NoError(t, c.Mail(string(carol), nil))
	require.NoError(t, c.Reset())
	require.NoError(t, c.Noop()) // the RSET has been handled

	mu.Lock()
	defer mu.Unlock()
	var ops []string
	var data []string
	for _, cmd := range rec {
		ops = append(ops, cmd.Op)
		if cmd.Op == smtpserve.CmdData {
			data = append(data, string(cmd.Data))
		}
	}
	tx := []string{smtpserve.CmdMail, smtpserve.CmdRcpt, smtpserve.CmdData}
	want := append(append(append(append([]string{smtpserve.CmdOpen}, tx...), tx...), tx...), smtpserve.CmdMail, smtpserve.CmdReset)
	assert.Equal(t, want, ops)
	assert.Equal(t, bodies, data)
}
