package smtpserve_test

import (
	"bufio"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/smtpserve"
)

// FuzzSession sends arbitrary client bytes to a served legacy host on
// loopback and half-closes: the server never panics, answers only with
// well-formed replies, closes the connection, and then still serves a valid
// client.
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"EHLO c.test\r\nMAIL FROM:<x@outside.example>\r\nRCPT TO:<alice@dept.example>\r\nDATA\r\nSubject: s\r\n\r\nhi\r\n.\r\nQUIT\r\n",
		"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<team@dept.example>\r\nRCPT TO:<nobody@dept.example>\r\nRSET\r\nNOOP\r\nVRFY alice\r\n",
		"EHLO c\r\nAUTH PLAIN AGFsaWNlAHMzY3JldA==\r\nMAIL FROM:<a@b> SIZE=99999999999\r\n",
		"EHLO c\r\nMAIL FROM:<x@y> BODY=BINARYMIME\r\nRCPT TO:<alice@dept.example>\r\nBDAT 5 LAST\r\nhello",
		"EHLO c\r\nMAIL FROM:<x@y>\r\nRCPT TO:<alice@dept.example>\r\nDATA\r\n\xff\xfe\x00\r\n..\r\n.\r\n",
		"\x00\x01\x02\r\n\r\n\r\n",
		"STARTTLS\r\nQUIT\r\n",
	} {
		f.Add([]byte(s))
	}
	_, srv := world(f)
	addr, err := srv.Listen(smtpserve.HostConfig{Host: legacyHost, MaxMessageBytes: 4096, MaxLineLength: 512, IdleTimeout: 2 * time.Second})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		nc, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer nc.Close()
		require.NoError(t, nc.SetDeadline(time.Now().Add(replyWait)))
		// The server may hang up before it has read everything (a line
		// too long, too many errors): then the write fails.
		if _, err := nc.Write(data); err == nil {
			_ = nc.(*net.TCPConn).CloseWrite()
		}
		br := bufio.NewReader(nc)
		for n := 0; ; n++ {
			require.Less(t, n, 100000, "the server stops talking")
			line, err := br.ReadString('\n')
			if line != "" {
				require.Regexp(t, replyLine, strings.TrimRight(line, "\r\n"), "a well-formed reply")
			}
			if err != nil {
				var ne net.Error
				require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server answers and closes, it does not hang")
				break
			}
		}
		// A valid client is still served.
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(replyWait)))
		r := bufio.NewReader(c)
		greet, err := r.ReadString('\n')
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(greet, "220 "), greet)
		_, err = c.Write([]byte("QUIT\r\n"))
		require.NoError(t, err)
		bye, err := r.ReadString('\n')
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(bye, "221 "), bye)
	})
}
