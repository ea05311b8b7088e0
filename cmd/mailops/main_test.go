package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mailops-dev/mailops/mailops"
)

// envAsCLI makes the test binary run as the mailops command (for tests that
// start it as a real process and kill it).
const envAsCLI = "MAILOPS_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(envAsCLI) == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	testscript.Main(m, map[string]func(){
		"mailops": func() { os.Exit(Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// fakes holds each script's in-process fake Graph server.
var fakes sync.Map // *testscript.TestScript -> *fakeGraph

// serveFake starts g on a loopback port and returns its URL and a stop.
func serveFake(g *fakeGraph, h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	return "http://" + l.Addr().String(), func() { srv.Close() }, nil
}

// cmdGraphserverStart: graphserver-start SPEC [DNSFILE] starts fake/graphserver
// on loopback, in the test process, seeded from SPEC's tenant section, and
// sets $GRAPH to its URL.
func cmdGraphserverStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: graphserver-start SPEC [DNSFILE]")
	}
	sf, _, err := loadSpec(ts.MkAbs(args[0]))
	ts.Check(err)
	dns := ""
	if len(args) == 2 {
		dns = ts.MkAbs(args[1])
	}
	g, err := newFakeGraph(context.Background(), sf, 1, dns)
	ts.Check(err)
	u, stop, err := serveFake(g, g.Handler())
	ts.Check(err)
	ts.Defer(func() { stop(); fakes.Delete(ts) })
	fakes.Store(ts, g)
	ts.Setenv("GRAPH", u)
}

func scriptFake(ts *testscript.TestScript) *fakeGraph {
	g, ok := fakes.Load(ts)
	if !ok {
		ts.Fatalf("no graphserver-start in this script")
	}
	return g.(*fakeGraph)
}

// cmdTenant changes the fake tenant behind the server, as another
// administrator would: tenant forward ADDR TARGET | tenant mailbox ADDR.
func cmdTenant(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: tenant forward ADDR TARGET | tenant mailbox ADDR")
	}
	d := scriptFake(ts).Tenant.Driver("other-admin")
	ctx := context.Background()
	switch args[0] {
	case "forward":
		ts.Check(d.SetForwarding(ctx, mailops.Address(args[1]), mailops.ForwardTo(mailops.Address(args[2]), true)))
	case "mailbox":
		a := mailops.Address(args[1])
		ts.Check(d.CreateRecipient(ctx, mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: a.Local()}))
	default:
		ts.Fatalf("unknown tenant change %q", args[0])
	}
}

// cmdCalls prints the changes the fake tenant applied through the server,
// one "count op target" line each, sorted.
func cmdCalls(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: calls")
	}
	counts := calledOps(scriptFake(ts).Calls())
	var lines []string
	for k, n := range counts {
		lines = append(lines, fmt.Sprintf("%d %s", n, k))
	}
	slices.Sort(lines)
	fmt.Fprintln(ts.Stdout(), strings.Join(lines, "\n"))
}

// cmdReplace: replace OLD NEW FILE replaces every OLD in FILE (an edit by
// hand).
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace OLD NEW FILE")
	}
	data := ts.ReadFile(args[2])
	if !strings.Contains(data, args[0]) {
		ts.Fatalf("%s does not contain %q", args[2], args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(strings.ReplaceAll(data, args[0], args[1])), 0o644))
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"graphserver-start": cmdGraphserverStart,
			"tenant":            cmdTenant,
			"calls":             cmdCalls,
			"replace":           cmdReplace,
		},
		RequireExplicitExec: true,
		// UPDATE_SCRIPTS=1 rewrites the golden files that cmp compares with.
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") == "1",
	})
}
