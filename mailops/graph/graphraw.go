package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph/internal/wire"
)

// rawGraph sends the Microsoft Graph beta requests msgraph-sdk-go (v1.0)
// does not have, with the driver's Graph credential and transport.
type rawGraph struct {
	base string // e.g. https://graph.microsoft.com/beta
	hc   *http.Client
	ts   *tokenSource
	now  func() time.Time
}

type graphErrBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// rawPost sends body as JSON to base+path and decodes a 2xx reply into out
// (nil to ignore it). A refusal is returned as *ServiceError through
// Driver.serviceErr, as for SDK calls.
func (d *Driver) rawPost(ctx context.Context, op, path string, body, out any, on400 func(code, msg string) error) error {
	g := d.graphRaw
	u, err := url.Parse(g.base + path)
	if err != nil {
		return fmt.Errorf("graph: Graph %s: %w", op, err)
	}
	tok, err := g.ts.token(ctx, u)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("graph: Graph %s: encoding the body: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("graph: Graph %s: building the request: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := g.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("graph: Graph %s: %w", op, ctx.Err())
		}
		return transportError("Graph", op, err)
	}
	defer resp.Body.Close()
	data, rerr := readBody(resp.Body)
	data = wire.Scrub(data, tok)
	ct := resp.Header.Get("Content-Type")
	if rerr == nil && resp.StatusCode >= 400 && wire.IsJSON(ct) {
		var eb graphErrBody
		if json.Unmarshal(data, &eb) == nil && eb.Error.Code != "" {
			return d.serviceErr(op, resp.StatusCode, resp.Header, eb.Error.Code, eb.Error.Message, on400)
		}
	}
	unusable := func(reason string) error {
		e := wire.StatusError(op, resp.StatusCode, resp.Header, g.now)
		if e == nil {
			e = mailops.ErrUnavailable
		}
		return &ResponseError{Service: "Graph", Op: op, Status: resp.StatusCode, ContentType: ct, Reason: reason, Snippet: wire.Snippet(data), Err: e}
	}
	switch {
	case rerr != nil:
		return unusable("reading the body: " + rerr.Error())
	case resp.StatusCode >= 400:
		return unusable("an error reply that is not Graph's JSON error body")
	case out == nil || resp.StatusCode == http.StatusNoContent:
		return nil
	case !wire.IsJSON(ct):
		return unusable("not JSON")
	}
	if err := json.Unmarshal(data, out); err != nil {
		return unusable("malformed or truncated JSON: " + err.Error())
	}
	return nil
}
