package smtpserve_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
)

// Real-network bounds for the abuse tests (loopback only): how long a test
// waits for a reply or for the server to close.
const (
	replyWait = 5 * time.Second
	idleShort = 300 * time.Millisecond
)

var replyLine = regexp.MustCompile(`^[2-5][0-9][0-9][ -]`)

// readAll reads what the server writes until it closes the connection (or
// replyWait passes: then closed is false), and checks that every line is a
// well-formed SMTP reply.
func readAll(t *testing.T, nc net.Conn) (lines []string, closed bool) {
	t.Helper()
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(replyWait)))
	br := bufio.NewReader(nc)
	for range 100000 {
		line, err := br.ReadString('\n')
		if line != "" {
			line = strings.TrimRight(line, "\r\n")
			assert.Regexp(t, replyLine, line, "a well-formed reply")
			lines = append(lines, line)
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return lines, false
			}
			return lines, true
		}
	}
	t.Fatal("the server never stops talking")
	return lines, false
}

// valid sends one good message and checks it is accepted.
func valid(t *testing.T, addr, id string) {
	t.Helper()
	require.NoError(t, send(addr, "x@outside.example", []string{string(alice)}, message("x@outside.example", string(alice), id, "still serving")),
		"a valid client is served after the abuse")
}

func dialGreeted(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	br := bufio.NewReader(nc)
	greet := firstLine(t, nc, br)
	require.True(t, strings.HasPrefix(greet, "220 "), greet)
	return nc, br
}

// firstLine reads one reply line from br (reading nc), waiting at most
// replyWait.
func firstLine(t *testing.T, nc net.Conn, br *bufio.Reader) string {
	t.Helper()
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(replyWait)))
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	return line
}

func TestOverLongCommandLineIsRefusedAndClosed(t *testing.T) {
	w, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	nc, _ := dialGreeted(t, addr)
	_, err := fmt.Fprintf(nc, "MAIL FROM:<%s@outside.example>\r\n", strings.Repeat("a", 64<<10))
	require.NoError(t, err)
	lines, closed := readAll(t, nc)
	require.NotEmpty(t, lines)
	assert.True(t, strings.HasPrefix(lines[len(lines)-1], "500 5.4.0"), "line too long: %q", lines)
	assert.True(t, closed, "the server closes the connection")
	valid(t, addr, "after-long@test")
	assert.Equal(t, 1, check(srv, w).Delivered)
}

func TestOverLongDataLineIsRefused(t *testing.T) {
	w, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, MaxLineLength: 1000})
	nc, _ := dialGreeted(t, addr)
	body := "From: <x@outside.example>\r\nSubject: long\r\n\r\n" + strings.Repeat("b", 8000) + "\r\n.\r\n"
	_, err := fmt.Fprintf(nc, "EHLO c.test\r\nMAIL FROM:<x@outside.example>\r\nRCPT TO:<%s>\r\nDATA\r\n%s", alice, body)
	require.NoError(t, err)
	lines, closed := readAll(t, nc)
	require.NotEmpty(t, lines)
	last := lines[len(lines)-1]
	assert.Regexp(t, `^5[0-9][0-9] `, last, "a permanent error for the long line: %q", lines)
	assert.True(t, closed)
	valid(t, addr, "after-long-data@test")
	rep := check(srv, w)
	assert.Equal(t, 1, rep.Sent, "the refused message was never submitted")
	assert.Equal(t, 1, rep.Delivered)
}

// Random bytes (NULs, 8-bit, stray CRs and LFs, lines of every length):
// every reply is well-formed, the server closes when the client stops, and
// the next client is served.
func TestBinaryGarbage(t *testing.T) {
	w, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	r := rand.New(rand.NewPCG(14, 1))
	for i := range 20 {
		nc, _ := dialGreeted(t, addr)
		buf := make([]byte, 256+r.IntN(8<<10))
		for j := range buf {
			buf[j] = byte(r.Uint32())
			if r.IntN(40) == 0 {
				buf[j] = '\n'
			}
		}
		if i%2 == 1 { // garbage after a valid start, inside a transaction
			buf = append([]byte("EHLO c.test\r\nMAIL FROM:<x@outside.example>\r\nRCPT TO:<alice@dept.example>\r\nDATA\r\n"), buf...)
		}
		// The server may hang up before the client has said everything
		// (a line too long): then the write or the half-close fails.
		if _, err := nc.Write(buf); err == nil {
			_ = nc.(*net.TCPConn).CloseWrite()
		}
		_, closed := readAll(t, nc)
		assert.True(t, closed, "the server closes after the client stops (round %d)", i)
	}
	valid(t, addr, "after-garbage@test")
	rep := check(srv, w)
	assert.Equal(t, 1, rep.Delivered, "garbage delivered nothing: %s", rep)
}

// Pipelining abuse: a thousand commands and a whole transaction in one
// write. Every command gets its reply, in order, and the message lands once.
func TestPipeliningAbuse(t *testing.T) {
	w, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	nc, _ := dialGreeted(t, addr)
	var b bytes.Buffer
	b.WriteString("EHLO c.test\r\n")
	const noops = 1000
	for range noops {
		b.WriteString("NOOP\r\n")
	}
	fmt.Fprintf(&b, "MAIL FROM:<x@outside.example>\r\nRCPT TO:<%s>\r\nRCPT TO:<nobody@dept.example>\r\nDATA\r\n%s.\r\n", alice,
		message("x@outside.example", string(alice), "piped@test", "pipelined"))
	for range noops {
		b.WriteString("RSET\r\n")
	}
	b.WriteString("QUIT\r\n")
	// Write and read concurrently: the replies may exceed the socket
	// buffers.
	werr := make(chan error, 1)
	go func() { _, err := nc.Write(b.Bytes()); werr <- err }()
	lines, closed := readAll(t, nc)
	require.NoError(t, <-werr)
	assert.True(t, closed, "QUIT closes")
	var finals []string
	for _, l := range lines {
		if l[3] == ' ' {
			finals = append(finals, l[:3])
		}
	}
	want := []string{"250"}
	for range noops {
		want = append(want, "250")
	}
	want = append(want, "250", "250", "550", "354", "250")
	for range noops {
		want = append(want, "250")
	}
	want = append(want, "221")
	assert.Equal(t, want, finals, "one reply per command, in order")
	valid(t, addr, "after-pipeline@test")
	rep := check(srv, w)
	assert.Equal(t, 2, rep.Sent)
	assert.Equal(t, 2, rep.Delivered, rep.String())
	assert.Zero(t, rep.Duplicated)
}

// A burst of connections over the limit: each is admitted (220) or refused
// with 421 and closed, never more than the limit are admitted, and once the
// burst lets go a valid client is served.
func TestConnectionBurstOverTheLimit(t *testing.T) {
	w, srv := world(t)
	const limit, burst = 20, 200
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, MaxConnections: limit})
	type result struct {
		nc    net.Conn
		greet string
		err   error
	}
	results := make(chan result, burst)
	var wg sync.WaitGroup
	for range burst {
		wg.Go(func() {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				results <- result{err: err}
				return
			}
			_ = nc.SetReadDeadline(time.Now().Add(replyWait))
			g, err := bufio.NewReader(nc).ReadString('\n')
			results <- result{nc: nc, greet: g, err: err}
		})
	}
	wg.Wait()
	close(results)
	var admitted, refused int
	var held []net.Conn
	for r := range results {
		require.NoError(t, r.err)
		held = append(held, r.nc)
		switch {
		case strings.HasPrefix(r.greet, "220 "):
			admitted++
		case strings.HasPrefix(r.greet, "421 4.7.0"):
			refused++
			// The refused connection is closed by the server.
			_, err := r.nc.Read(make([]byte, 1))
			assert.ErrorIs(t, err, io.EOF)
		default:
			t.Errorf("unexpected greeting %q", r.greet)
		}
	}
	assert.Equal(t, limit, admitted, "exactly the limit is admitted while the burst holds its connections")
	assert.Equal(t, burst-limit, refused)
	for _, nc := range held {
		_ = nc.Close()
	}
	require.Eventually(t, func() bool {
		return send(addr, "x@outside.example", []string{string(alice)}, message("x@outside.example", string(alice), "after-burst@test", "s")) == nil
	}, replyWait, 10*time.Millisecond, "a valid client gets through once the burst lets go")
	assert.Equal(t, 1, check(srv, w).Delivered)
}

// A client that connects and says nothing is closed by the idle timeout
// with 421 4.4.2, and its slot is freed for the next client.
func TestSilentClientIsClosedByTheIdleTimeout(t *testing.T) {
	w, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, MaxConnections: 1, IdleTimeout: idleShort})
	nc, _ := dialGreeted(t, addr)
	start := time.Now()
	lines, closed := readAll(t, nc)
	assert.True(t, closed, "closed by the idle timeout")
	assert.Equal(t, []string{"421 4.4.2 Idle timeout, bye bye"}, lines)
	assert.GreaterOrEqual(t, time.Since(start), idleShort/2, "not before the timeout")
	valid(t, addr, "after-idle@test")
	assert.Equal(t, 1, check(srv, w).Delivered)
}

// A client that trickles a command a byte at a time (slowloris) is closed
// when the line has not arrived within the idle timeout.
func TestTricklingClientIsClosed(t *testing.T) {
	_, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, IdleTimeout: idleShort})
	nc, _ := dialGreeted(t, addr)
	tick := time.NewTicker(idleShort / 6)
	defer tick.Stop()
	line := []byte("EHLO a-very-slow-client.example.test\r\n")
	var werr error
	for i := 0; i < len(line) && werr == nil; i++ {
		<-tick.C
		_, werr = nc.Write(line[i : i+1])
	}
	require.Error(t, werr, "the server hung up before the line was complete")
	lines, closed := readAll(t, nc)
	assert.True(t, closed)
	require.NotEmpty(t, lines)
	assert.Equal(t, "421 4.4.2 Idle timeout, bye bye", lines[len(lines)-1], "closed at the first idle timeout: %q", lines)
	assert.LessOrEqual(t, len(lines), 8, "at most the fragment cut short by the timeout was answered: %q", lines)
}

// swaks runs the real SMTP client and returns its transcript.
func swaks(t *testing.T, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("swaks")
	require.NoError(t, err, "swaks is required (Debian package swaks; .ci/run installs it)")
	cmd := exec.Command(path, append([]string{"--timeout", "5", "--hide-informational"}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The device relay never relays for a client outside its allowed networks,
// as seen from a real SMTP client: swaks from 127.0.0.2 (outside
// 127.0.0.1/32) is refused at RCPT with 554 5.7.1, while the same relay
// takes the same message from 127.0.0.1.
func TestDeviceRelayRefusesOutsideNetworksFromSwaks(t *testing.T) {
	w, srv := world(t)
	w.AddRelay("relay.dept.example", "relay@dept.example", netip.MustParsePrefix("127.0.0.1/32"))
	addr := listen(t, srv, smtpserve.HostConfig{Host: "relay.dept.example", Port: mailflow.SubmissionPort})
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	common := []string{"--server", host, "--port", port, "--helo", "nas.dept.example",
		"--from", "nas@dept.example", "--to", string(carol), "--header", "Message-ID: <swaks-%d@test>"}

	withID := func(n int, extra ...string) []string {
		args := append([]string(nil), common...)
		args[len(args)-1] = fmt.Sprintf(args[len(args)-1], n)
		return append(args, extra...)
	}
	out, err := swaks(t, withID(1, "--local-interface", "127.0.0.2")...)
	require.Error(t, err, "swaks reports the refusal:\n%s", out)
	assert.Contains(t, out, "554 5.7.1", out)
	assert.Contains(t, out, "not an allowed network", out)

	out, err = swaks(t, withID(2, "--local-interface", "127.0.0.1")...)
	require.NoError(t, err, out)

	rep := check(srv, w)
	assert.Equal(t, 1, rep.Sent, "only the allowed client's message was taken: %s", rep)
	assert.Equal(t, 1, rep.Delivered, rep.String())
	for _, e := range w.Ledger().Events() {
		assert.NotContains(t, e.Trail, "device:127.0.0.2", "nothing from outside was relayed")
	}
}

// With the default configuration a host listens on 127.0.0.1 only.
func TestDefaultListenIsLoopback(t *testing.T) {
	_, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	ap, err := netip.ParseAddrPort(addr)
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("127.0.0.1"), ap.Addr(), "default listen address")
	assert.NotZero(t, ap.Port())
}

// The accept loop never waits for the world: while the world is busy (its
// lock held), a connection over the limit is still refused at once, and the
// admitted one is greeted as soon as the world is free.
func TestAcceptDoesNotWaitForTheWorld(t *testing.T) {
	_, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, MaxConnections: 1})
	var first net.Conn
	srv.Do(func() {
		var err error
		first, err = net.Dial("tcp", addr)
		require.NoError(t, err)
		second, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer second.Close()
		line := firstLine(t, second, bufio.NewReader(second)) // refused while the world is busy
		assert.True(t, strings.HasPrefix(line, "421 4.7.0 "), line)
	})
	require.NotNil(t, first)
	defer first.Close()
	line := firstLine(t, first, bufio.NewReader(first))
	assert.True(t, strings.HasPrefix(line, "220 "), line)
}

// A client that connects while the world is busy for longer than the idle
// timeout is greeted once the world is free, not timed out for the world's
// delay.
func TestGreetingAfterTheWorldWasBusyLongerThanTheIdleTimeout(t *testing.T) {
	_, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, IdleTimeout: idleShort})
	var nc net.Conn
	srv.Do(func() {
		var err error
		nc, err = net.Dial("tcp", addr)
		require.NoError(t, err)
		// The world stays busy until the read gives up, twice the idle
		// timeout: no greeting can arrive meanwhile.
		_ = nc.SetReadDeadline(time.Now().Add(2 * idleShort))
		_, err = nc.Read(make([]byte, 1))
		require.ErrorIs(t, err, os.ErrDeadlineExceeded, "no greeting while the world is busy")
	})
	require.NotNil(t, nc)
	defer nc.Close()
	line := firstLine(t, nc, bufio.NewReader(nc))
	assert.True(t, strings.HasPrefix(line, "220 "), line)
}
