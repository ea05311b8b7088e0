package main

import (
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakegraph listens on loopback by default, refuses any other address
// without --allow-remote, and warns when it listens beyond the machine.
func TestFakegraphListensOnLoopbackAndWarnsOtherwise(t *testing.T) {
	l, err := listenLoopback("127.0.0.1:0", false)
	require.NoError(t, err)
	defer l.Close()
	assert.True(t, l.Addr().(*net.TCPAddr).IP.IsLoopback())
	assert.Empty(t, remoteWarning(l.Addr()), "no warning on loopback")
	assert.Equal(t, "127.0.0.1:0", newFakeGraphCmd(&app{}).Flags().Lookup("listen").DefValue)

	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8080", "[::]:0"} {
		_, err := listenLoopback(addr, false)
		require.Error(t, err, addr)
		assert.Contains(t, err.Error(), "--allow-remote", addr)
	}
	for _, a := range []net.Addr{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 1},
		&net.TCPAddr{IP: net.IPv6unspecified, Port: 2}} {
		w := remoteWarning(a)
		assert.True(t, strings.Contains(w, "WARNING") && strings.Contains(w, a.String()), "%s: %q", a, w)
	}
}
