package smtpserve

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
)

const connTestHost = "mx.conn.example"

// connTest is a listener of a recording Server for connTestHost, and what
// it records. Its connections are built by hand over net.Pipe, as the
// listener's Accept builds them, with their slot taken.
func connTest(t *testing.T) (*mailflow.Legacy, *listener, *[]Command) {
	t.Helper()
	w := mailflow.NewWorld(mailflow.Config{Seed: 1, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig()})
	h := w.AddLegacy(connTestHost, time.Hour, "conn.example")
	srv := New(w)
	var rec []Command
	srv.SetHooks(Hooks{Record: func(c Command, _ mailflow.Reply) { rec = append(rec, c) }})
	return h, &listener{srv: srv, cfg: HostConfig{Host: connTestHost, Port: 25, MaxRecipients: 10, MaxMessageBytes: 1 << 20}}, &rec
}

func (l *listener) pipe(t *testing.T) (*conn, net.Conn) {
	t.Helper()
	server, client := net.Pipe()
	t.Cleanup(func() { _ = client.Close() })
	l.mu.Lock()
	l.open++
	l.mu.Unlock()
	return &conn{Conn: server, l: l}, client
}

func (l *listener) slots() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// The world opens the session at the connection's first write (go-smtp's
// greeting), numbers it, and closes it with the connection.
func TestConnOpensAtTheGreeting(t *testing.T) {
	_, l, rec := connTest(t)
	c, client := l.pipe(t)
	assert.Empty(t, *rec, "nothing reaches the world on accept")
	go func() { _, _ = c.Write([]byte("220 greeting\r\n")) }()
	line, err := bufio.NewReader(client).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "220 greeting\r\n", line)
	require.Len(t, *rec, 1)
	assert.Equal(t, CmdOpen, (*rec)[0].Op)
	assert.Equal(t, uint64(1), (*rec)[0].Conn)
	assert.Equal(t, connTestHost, (*rec)[0].Host)
	require.NotNil(t, c.sess)
	require.NoError(t, c.Close())
	require.Len(t, *rec, 2)
	assert.Equal(t, Command{Conn: 1, Op: CmdClose}, (*rec)[1])
	assert.Zero(t, l.slots(), "the slot is released")
	_ = c.Close()
	assert.Len(t, *rec, 2, "a second Close changes nothing")
	assert.Zero(t, l.slots(), "the slot is released once")
}

// A host the world has stopped refuses in place of the greeting: the
// client reads the world's reply, then the close; go-smtp's greeting never
// reaches it.
func TestConnRefusedByTheWorldAtTheGreeting(t *testing.T) {
	h, l, rec := connTest(t)
	h.Stop()
	c, client := l.pipe(t)
	errc := make(chan error, 1)
	go func() { _, err := c.Write([]byte("220 greeting\r\n")); errc <- err }()
	all, err := io.ReadAll(client)
	require.NoError(t, err)
	r := mailflow.ReplyUnavailable
	assert.Equal(t, "421 "+r.Enhanced+" "+r.Text+"\r\n", string(all))
	require.ErrorIs(t, <-errc, net.ErrClosed)
	_, err = c.Read(make([]byte, 8))
	assert.ErrorIs(t, err, net.ErrClosed, "go-smtp's next read ends the connection")
	require.Len(t, *rec, 1, "the refused open is recorded, and no close")
	assert.Equal(t, CmdOpen, (*rec)[0].Op)
	assert.Nil(t, c.sess)
	assert.Zero(t, l.slots())
}

// A connection closed before its first read or write (the Server closing)
// never reaches the world, and cannot be opened afterwards.
func TestConnClosedBeforeTheGreetingNeverOpens(t *testing.T) {
	_, l, rec := connTest(t)
	c, _ := l.pipe(t)
	require.NoError(t, c.Close())
	_, err := c.Write([]byte("220 greeting\r\n"))
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = c.Read(make([]byte, 8))
	assert.ErrorIs(t, err, net.ErrClosed)
	assert.Empty(t, *rec, "no open, no close")
	assert.Nil(t, c.sess)
	assert.Zero(t, l.slots())
	c2, client := l.pipe(t)
	go func() { _, _ = c2.Write([]byte("220 greeting\r\n")) }()
	_, err = bufio.NewReader(client).ReadString('\n')
	require.NoError(t, err)
	require.Len(t, *rec, 1)
	assert.Equal(t, uint64(1), (*rec)[0].Conn, "numbers are not used up by connections that never opened")
	require.NoError(t, c2.Close())
}
