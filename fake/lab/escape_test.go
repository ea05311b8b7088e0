package lab

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestControlPageShowsMarkupAsText: a scenario title and a fault's stage
// holding markup (an <img> whose onerror would run script) are shown by
// the control page in Chromium as text: no element is made from them and
// no script runs.
func TestControlPageShowsMarkupAsText(t *testing.T) {
	path := need(t, "chromium", "chromium")
	sc := loadScenario(t, "consolidation.yaml")
	sc.Title = `<img src=x onerror="window.pwned='title'">Consolidation`
	l, err := Start(Config{Scenario: sc, Seed: 1, Clock: ClockSpec{Manual: true}, Wall: stillWall{time.Unix(0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Flag("headless", true),
		chromedp.NoSandbox, chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+l.Ports().Control+"/"), chromedp.WaitVisible(chromedp.CSS(`#timeline li`))); err != nil {
		t.Fatalf("load the page: %v", err)
	}
	// The page's own action function, with markup in the stage (refused,
	// and the refusal quotes it).
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`act({op: "smtp-fault", host: "legacy", stage: "<img src=x onerror=\"window.pwned='stage'\">", count: 1}); true`)); err != nil {
		t.Fatalf("act: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("actionresult").textContent.startsWith("refused")`)); err != nil {
		t.Fatalf("waiting for the refusal: %v", err)
	}
	get := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	title, result := get(`document.getElementById("title").textContent`), get(`document.getElementById("actionresult").textContent`)
	if !strings.Contains(title, `<img src=x onerror="window.pwned='title'">`) {
		t.Errorf("the title is not shown as text: %q", title)
	}
	if !strings.Contains(result, "<img src=x onerror=") {
		t.Errorf("the refusal does not show the host as text: %q", result)
	}
	if n := get(`String(document.querySelectorAll("img").length)`); n != "0" {
		t.Errorf("%s <img> elements on the page", n)
	}
	if p := get(`String(window.pwned)`); p != "undefined" {
		t.Errorf("script from the markup ran: window.pwned = %s", p)
	}
}
