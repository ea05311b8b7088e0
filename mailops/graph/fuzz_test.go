package graph_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph"
)

// oneReply is a transport that answers the first request with the fuzzed
// reply and every later one (pages, follow-up reads) with an empty list, so
// that one input is one decoding.
type oneReply struct {
	mu          sync.Mutex
	n           int
	status      int
	contentType string
	retryAfter  string
	body        []byte
}

func (o *oneReply) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	o.mu.Lock()
	o.n++
	first := o.n == 1
	o.mu.Unlock()
	h := http.Header{"Content-Type": []string{"application/json"}}
	status, body := http.StatusOK, []byte(`{"value":[]}`)
	if first {
		status, body = o.status, o.body
		h.Set("Content-Type", o.contentType)
		if o.retryAfter != "" {
			h.Set("Retry-After", o.retryAfter)
		}
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}, nil
}

// portable are the errors a driver failure must match (or be a
// *graph.ServiceError / *graph.ResponseError carrying the reply).
var portable = []error{mailops.ErrUnavailable, mailops.ErrForbidden, mailops.ErrThrottled, mailops.ErrNotFound,
	mailops.ErrExists, mailops.ErrInvalid, mailops.ErrNotVerified, mailops.ErrDomainTaken}

// fuzzReply runs call against a driver whose transport answers with the
// fuzzed reply and checks: no panic, an error status is an error, every
// error is typed, and no error holds the bearer token even when the reply
// echoes it.
func fuzzReply(t *testing.T, status int, contentType, retryAfter string, body []byte, calls []func(d *graph.Driver) error, pick uint8) {
	if status < 100 || status > 599 {
		status = 200 + status%400
		if status < 100 {
			status = 500
		}
	}
	body = bytes.ReplaceAll(body, []byte("TOKEN"), []byte(leakToken)) // an echo of the token
	tr := &oneReply{status: status, contentType: contentType, retryAfter: retryAfter, body: body}
	d, err := graph.New(graph.Config{TenantID: graphserver.DefaultTenantID, Credential: staticCred{token: leakToken},
		GraphURL: "http://127.0.0.1:1/v1.0", ExchangeURL: "http://127.0.0.1:1", HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute},
		Clock: fixedClock{}})
	if err != nil {
		t.Fatal(err)
	}
	err = calls[int(pick)%len(calls)](d)
	if status >= 400 && err == nil {
		t.Fatalf("HTTP %d %q %q: no error", status, contentType, body)
	}
	if err == nil {
		return
	}
	var se *graph.ServiceError
	var re *graph.ResponseError
	typed := errors.As(err, &se) || errors.As(err, &re)
	for _, p := range portable {
		typed = typed || errors.Is(err, p)
	}
	if !typed {
		t.Fatalf("HTTP %d %q %q: an untyped error: %v", status, contentType, body, err)
	}
	if strings.Contains(err.Error(), leakToken) {
		t.Fatalf("the error holds the token: %v", err)
	}
}

// fixedClock is the wall clock stopped at one instant (Retry-After dates
// are read against it).
type fixedClock struct{ mailops.WallClock }

func (fixedClock) Now() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }

// FuzzGraphReply: any status, content type, Retry-After and body as
// Graph's reply to the driver's Graph calls (through msgraph-sdk-go and the
// raw beta requests).
func FuzzGraphReply(f *testing.F) {
	ctx := context.Background()
	calls := []func(d *graph.Driver) error{
		func(d *graph.Driver) error { _, err := d.ListDomains(ctx); return err },
		func(d *graph.Driver) error { _, err := d.GetDomain(ctx, "contoso.example"); return err },
		func(d *graph.Driver) error { _, err := d.AddDomain(ctx, "contoso.example"); return err },
		func(d *graph.Driver) error { _, err := d.VerifyDomain(ctx, "contoso.example"); return err },
		func(d *graph.Driver) error { _, err := d.TakeOverDomain(ctx, "contoso.example"); return err },
		func(d *graph.Driver) error { return d.EnableEmail(ctx, "contoso.example") },
		func(d *graph.Driver) error { return d.RemoveDomain(ctx, "contoso.example") },
	}
	for i, s := range []struct {
		status   int
		ct, ra   string
		body     string
		callPick uint8
	}{
		{200, "application/json", "", `{"value":[{"id":"contoso.example","isVerified":true,"supportedServices":["Email"]}]}`, 0},
		{200, "application/json", "", `{"id":"contoso.example","isVerified":false,"authenticationType":"Managed"}`, 1},
		{404, "application/json", "", `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'contoso.example' does not exist"}}`, 1},
		{429, "application/json", "7", `{"error":{"code":"TooManyRequests","message":"Too many requests"}}`, 0},
		{400, "application/json", "", `{"error":{"code":"Request_BadRequest","message":"Domain verification failed. TOKEN"}}`, 3},
		{502, "text/html", "", `<html><head><title>502 Bad Gateway TOKEN</title></head></html>`, 2},
		{200, "application/json", "", `{"value":[{"id":`, 0},
		{200, "application/json", "", `{"value":[{"id":7,"isVerified":"yes"}],"@odata.nextLink":"http://127.0.0.1:1/v1.0/domains?$skiptoken=1"}`, 0},
		{401, "application/json", "Wed, 21 Oct 2026 07:28:00 GMT", `{"error":{"code":"InvalidAuthenticationToken","message":"TOKEN"}}`, 4},
		{204, "", "", ``, 5},
	} {
		_ = i
		f.Add(s.status, s.ct, s.ra, []byte(s.body), s.callPick)
	}
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter string, body []byte, pick uint8) {
		fuzzReply(t, status, contentType, retryAfter, body, calls, pick)
	})
}

// FuzzInvokeCommandReply: any status, content type, Retry-After and body as
// the Exchange admin API's reply to InvokeCommand, for reads and writes of
// every kind of object.
func FuzzInvokeCommandReply(f *testing.F) {
	ctx := context.Background()
	calls := []func(d *graph.Driver) error{
		func(d *graph.Driver) error { _, err := d.ListOutboundConnectors(ctx); return err },
		func(d *graph.Driver) error { _, err := d.GetRemoteDomain(ctx, mailops.DefaultRemoteDomain); return err },
		func(d *graph.Driver) error { _, err := d.GetRecipient(ctx, "a@contoso.example"); return err },
		func(d *graph.Driver) error { _, err := d.GetGroup(ctx, "g@contoso.example"); return err },
		func(d *graph.Driver) error { _, err := d.ListGroups(ctx); return err },
		func(d *graph.Driver) error { _, err := d.GetOutboundSpamPolicy(ctx, "Default"); return err },
		func(d *graph.Driver) error { _, err := d.GetDkimSigningConfig(ctx, "contoso.example"); return err },
		func(d *graph.Driver) error {
			now := fixedClock{}.Now()
			_, err := d.MessageTrace(ctx, mailops.TraceQuery{Start: now.Add(-time.Hour), End: now})
			return err
		},
		func(d *graph.Driver) error {
			return d.CreateOutboundConnector(ctx, mailops.OutboundConnector{Name: "c", Type: mailops.OnPremises,
				RecipientDomains: []string{"d.example"}, SmartHosts: []string{"mx.d.example"}, Enabled: true})
		},
		func(d *graph.Driver) error { return d.DeleteGroup(ctx, "g@contoso.example") },
	}
	for _, s := range []struct {
		status int
		ct, ra string
		body   string
		pick   uint8
	}{
		{200, "application/json", "", `{"value":[{"Identity":"c","Name":"c","ConnectorType":"OnPremises","RecipientDomains":["d.example"],"SmartHosts":["mx.d.example"],"Enabled":true}]}`, 0},
		{200, "application/json", "", `{"value":[{"Identity":"Default","DomainName":"*","AutoForwardEnabled":true}]}`, 1},
		{500, "application/json", "", `{"error":{"code":"InternalServerError","message":"Error executing cmdlet","details":[{"message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'a@contoso.example' couldn't be found. TOKEN"}]}}`, 2},
		{429, "application/json", "3", `{"error":{"code":"TooManyRequests","message":"Request is throttled."}}`, 3},
		{200, "application/json", "", `{"value":[{"Received":"2026-11-30T23:00:00Z","SenderAddress":"a@b.example","RecipientAddress":"not an address","Status":"Delivered"}]}`, 7},
		{200, "application/json", "", `{"value":[],"@odata.nextLink":"https://evil.example/adminapi/beta/x/InvokeCommand"}`, 4},
		{200, "application/json", "", `{"value":[{"PrimarySmtpAddress":7}]}`, 3},
		{403, "text/plain", "", `TOKEN`, 8},
		{400, "application/json", "", `{"error":{"code":"BadRequest","message":"x","innererror":{"internalException":{"message":"|System.Management.Automation.ParameterBindingException|A parameter cannot be found"}}}}`, 8},
		{200, "application/json", "", `{"value":[1,2,3]}`, 5},
		{200, "application/json", "", `{"value":[{"Domain":"contoso.example","Enabled":"maybe"}]}`, 6},
	} {
		f.Add(s.status, s.ct, s.ra, []byte(s.body), s.pick)
	}
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter string, body []byte, pick uint8) {
		fuzzReply(t, status, contentType, retryAfter, body, calls, pick)
	})
}
