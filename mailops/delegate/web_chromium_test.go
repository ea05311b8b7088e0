package delegate

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mailops-dev/mailops/mailops"
)

// TestWebInChromium drives the UI in Debian's headless Chromium: a
// department admin signs in on the fake Entra ID's page, edits an
// address's targets, signs out; IT signs in, approves, and the request's
// page shows done once the queue has applied it.
func TestWebInChromium(t *testing.T) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not found: install the Debian package chromium (.ci/run does)")
	}
	e := newWebEnv(t)
	ctx := context.Background()
	office := mailops.Address("office@deptb.example.ac.jp")
	r, _, err := e.svc.Submit(ctx, adminB, Request{Kind: CreateAddress, Domain: "deptb.example.ac.jp", Local: "office",
		Targets: people[:1], IdempotencyKey: "setup"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Approve(ctx, itDept, r.ID); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, r.ID, Done)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Flag("headless", true),
		chromedp.NoSandbox, chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	bctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return s
	}
	signIn := func(upn string) {
		t.Helper()
		do("sign in as "+upn, chromedp.Click(css(`#signin`)), chromedp.WaitVisible(css(`button[data-upn="`+upn+`"]`)),
			chromedp.Click(css(`button[data-upn="`+upn+`"]`)), chromedp.WaitVisible(css(`#logout`)))
	}

	do("load the UI", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(css(`#signin`)))
	signIn(webBob.UPN)
	if got := text(`#actor-name`); got != "Bob <i>Dept B</i>" {
		t.Errorf("the display name shows as %q (markup must show as text)", got)
	}
	do("open the address", chromedp.Click(css(`tr[data-address="office@deptb.example.ac.jp"] a.edit`)), chromedp.WaitVisible(css(`#targets`)))
	do("edit its targets", chromedp.SetValue(css(`#targets`), "u2@example.ac.jp\nu3@example.ac.jp"), chromedp.Click(css(`#submit`)),
		chromedp.WaitVisible(css(`#status.awaiting_approval`)))
	if got := text(`#powershell`); !strings.Contains(got, "office@deptb.example.ac.jp") {
		t.Errorf("PowerShell %q", got)
	}
	do("sign out", chromedp.Click(css(`#logout`)), chromedp.WaitVisible(css(`#signin`)))

	signIn(webIT.UPN)
	do("open the request awaiting approval", chromedp.Click(css(`#awaiting a`)), chromedp.WaitVisible(css(`#approve`)))
	do("approve", chromedp.Click(css(`#approve`)), chromedp.WaitVisible(css(`#status.done`)))
	if got := text(`#decided`); got == "" {
		t.Error("no decider shown")
	}
	g := e.world.group(office)
	if g == nil || !slices.Equal(g.Members, []mailops.Address{"u2@example.ac.jp", "u3@example.ac.jp"}) {
		t.Errorf("the tenant's group after done: %+v", g)
	}
}
