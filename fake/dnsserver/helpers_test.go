package dnsserver_test

import (
	"context"
	"net/netip"
	"strconv"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/dnsserver"
)

var bg = context.Background()

const (
	dom    = "depta.example.ac.jp"
	legacy = "mx." + dom
	exo    = "depta-example-ac-jp.mail.protection.outlook.com"
)

// zone is a department's zone before its MX switch.
func zone(t testing.TB) *dnsserver.Authority {
	t.Helper()
	a := dnsserver.NewAuthority("example.ac.jp")
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: legacy, Pref: 10}))
	require.NoError(t, a.SetA(legacy, 300, netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")))
	require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 a:"+legacy+" -all", "MS=ms12345678"))
	require.NoError(t, a.SetCNAME("autodiscover."+dom, 3600, "autodiscover.outlook.com"))
	require.NoError(t, a.SetCNAME("mail."+dom, 60, legacy))
	return a
}

// query builds a question for name and type.
func query(name string, qt uint16) *dns.Msg {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qt)
	return q
}

// ask asks x in-process and requires an answer.
func ask(t testing.TB, x dnsserver.Exchanger, name string, qt uint16) *dns.Msg {
	t.Helper()
	m, err := x.Exchange(bg, query(name, qt))
	require.NoError(t, err)
	require.NotNil(t, m)
	return m
}

func itoa(i int) string { return strconv.Itoa(i) }
