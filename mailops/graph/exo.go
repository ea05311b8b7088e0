package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph/internal/wire"
)

// exoClient calls the Exchange Online admin API's InvokeCommand endpoint
// (exo-facts 8.2) over net/http: no SDK exists for it. It does not retry:
// the mailops Client does.
type exoClient struct {
	endpoint *url.URL // {base}/adminapi/beta/{tenantId}/InvokeCommand
	hc       *http.Client
	ts       *tokenSource
	anchor   string // X-AnchorMailbox, "" to omit
	now      func() time.Time
}

// maxPages bounds the pages of one cmdlet's output (a loop of nextLinks is
// a broken reply, not a long list).
const maxPages = 10_000

type cmdletInput struct {
	CmdletInput struct {
		CmdletName string         `json:"CmdletName"`
		Parameters map[string]any `json:"Parameters"`
	} `json:"CmdletInput"`
}

// hashAdd is a PowerShell @{Add=...} hashtable parameter.
func hashAdd(values []string) map[string]any {
	return map[string]any{"@odata.type": "#Exchange.GenericHashTable", "Add": values}
}

// invoke runs one cmdlet and returns its output objects, following
// @odata.nextLink (POSTing the same body) to the end.
func (c *exoClient) invoke(ctx context.Context, cmdlet string, params map[string]any) ([]json.RawMessage, error) {
	if err := checkCmdlet(cmdlet, params); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout(cmdlet))
	defer cancel()
	var in cmdletInput
	in.CmdletInput.CmdletName = cmdlet
	in.CmdletInput.Parameters = params
	if in.CmdletInput.Parameters == nil {
		in.CmdletInput.Parameters = map[string]any{}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("graph: Exchange %s: encoding the parameters: %v: %w", cmdlet, err, mailops.ErrInvalid)
	}
	var out []json.RawMessage
	target := c.endpoint
	for pages := 0; ; pages++ {
		if pages == maxPages {
			return nil, &ResponseError{Service: "Exchange", Op: cmdlet, Status: http.StatusOK, ContentType: "application/json",
				Reason: fmt.Sprintf("more than %d pages of @odata.nextLink", maxPages), Err: mailops.ErrUnavailable}
		}
		r, err := c.post(ctx, cmdlet, target, body)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Value...)
		if r.NextLink == "" {
			return out, nil
		}
		next, err := c.endpoint.Parse(r.NextLink)
		if err != nil || !strings.EqualFold(next.Host, c.endpoint.Host) || strings.TrimPrefix(next.Path, "/") != strings.TrimPrefix(c.endpoint.Path, "/") {
			return nil, &ResponseError{Service: "Exchange", Op: cmdlet, Status: http.StatusOK, ContentType: "application/json",
				Reason: "an @odata.nextLink outside the InvokeCommand endpoint", Snippet: r.NextLink, Err: mailops.ErrUnavailable}
		}
		target = next
	}
}

func (c *exoClient) post(ctx context.Context, cmdlet string, u *url.URL, body []byte) (wire.CmdletReply, error) {
	tok, err := c.ts.token(ctx, u)
	if err != nil {
		return wire.CmdletReply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return wire.CmdletReply{}, fmt.Errorf("graph: Exchange %s: building the request: %w", cmdlet, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Prefer", "odata.maxpagesize=1000")
	req.Header.Set("X-CmdletName", cmdlet)
	if c.anchor != "" {
		req.Header.Set("X-AnchorMailbox", c.anchor)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return wire.CmdletReply{}, fmt.Errorf("graph: Exchange %s: %w", cmdlet, ctx.Err())
		}
		return wire.CmdletReply{}, transportError("Exchange", cmdlet, err)
	}
	defer resp.Body.Close()
	raw, rerr := readBody(resp.Body)
	raw = wire.Scrub(raw, tok)
	r, f := wire.DecodeCmdletReply(cmdlet, resp.StatusCode, resp.Header, raw, rerr, c.now)
	if f != nil {
		return wire.CmdletReply{}, failureErr("Exchange", cmdlet, f)
	}
	return r, nil
}

// decodeAll decodes cmdlet output objects into T.
func decodeAll[T any](cmdlet string, raw []json.RawMessage) ([]T, error) {
	out, f := wire.DecodeAll[T](raw)
	if f != nil {
		return nil, failureErr("Exchange", cmdlet, f)
	}
	return out, nil
}

// decodeOne decodes the single object a -Identity read returns.
func decodeOne[T any](cmdlet, identity string, raw []json.RawMessage) (T, error) {
	var zero T
	list, err := decodeAll[T](cmdlet, raw)
	if err != nil {
		return zero, err
	}
	switch len(list) {
	case 0:
		return zero, &ResponseError{Service: "Exchange", Op: cmdlet, Status: http.StatusOK, ContentType: "application/json",
			Reason: "no object and no error for the identity " + identity, Err: mailops.ErrUnavailable}
	case 1:
		return list[0], nil
	}
	return zero, &ResponseError{Service: "Exchange", Op: cmdlet, Status: http.StatusOK, ContentType: "application/json",
		Reason: fmt.Sprintf("%d objects for the identity %s", len(list), identity), Err: mailops.ErrUnavailable}
}
