package lab

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestControlPageInChromium drives the control page in Debian's headless
// Chromium: it loads, a runbook step appears on the timeline, a fault is
// injected from the form, and the grade is read.
func TestControlPageInChromium(t *testing.T) {
	path := need(t, "chromium", "chromium")
	l := startLab(t, "consolidation.yaml", 1)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Flag("headless", true),
		chromedp.NoSandbox, chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return s
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	do("load the page", chromedp.Navigate("http://"+l.Ports().Control+"/"), chromedp.WaitVisible(css(`#timeline li`)))
	title := text(`#title`)
	do("start the runbook and watch a step appear", chromedp.Click(css(`#migrate`)), chromedp.WaitVisible(css(`#timeline li.step`)))
	do("advance two hours and watch the MX move", chromedp.Click(css(`#adv1h`)), chromedp.Click(css(`#adv1h`)), chromedp.WaitVisible(css(`#timeline li.dns`)))
	do("inject a fault", chromedp.SetValue(css(`#fhost`), "legacy"), chromedp.SetValue(css(`#fstage`), "rcpt"), chromedp.SetValue(css(`#fcount`), "2"), chromedp.Click(css(`#inject`)))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("actionresult").textContent.includes("smtp-fault")`)); err != nil {
		t.Fatalf("waiting for the fault's result: %v", err)
	}
	result := text(`#actionresult`)
	do("grade", chromedp.Click(css(`#gradebtn`)), chromedp.WaitVisible(css(`#checks li`)))
	verdict, checks := text(`#verdict`), text(`#checks`)
	if !strings.Contains(title, "Consolidation") {
		t.Errorf("title %q", title)
	}
	if !strings.HasPrefix(result, "done: smtp-fault") {
		t.Errorf("fault injection: %q", result)
	}
	if !strings.HasPrefix(verdict, "PASS") && !strings.HasPrefix(verdict, "FAIL") {
		t.Errorf("verdict %q", verdict)
	}
	if !strings.Contains(checks, "the domain relays before the MX moves") {
		t.Errorf("checks %q", checks)
	}
	var faulted bool
	for _, a := range l.Log().Actions {
		faulted = faulted || (a.Op == "smtp-fault" && a.Host == "legacy" && a.Count == 2)
	}
	if !faulted {
		t.Errorf("the page's fault is not in the control log: %+v", l.Log().Actions)
	}
}
