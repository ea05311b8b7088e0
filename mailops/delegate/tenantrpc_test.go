package delegate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/mailops-dev/mailops/mailops"
)

// The SIGKILL test's tenant lives in the test process and the service in a
// child process, as Exchange Online lives outside the service: the child
// reaches it through this small loopback RPC (one POST per driver call,
// sentinel errors carried by name), so the tenant's state survives the
// child's death.

// rpcCall is one driver call on the wire.
type rpcCall struct {
	Method string          `json:"method"`
	Args   json.RawMessage `json:"args"`
}

// rpcReply is its answer.
type rpcReply struct {
	Result  json.RawMessage `json:"result,omitempty"`
	ErrKind string          `json:"errKind,omitempty"`
	Err     string          `json:"err,omitempty"`
}

var rpcSentinels = map[string]error{
	"not_found": mailops.ErrNotFound, "exists": mailops.ErrExists, "throttled": mailops.ErrThrottled,
	"domain_taken": mailops.ErrDomainTaken, "not_verified": mailops.ErrNotVerified, "forbidden": mailops.ErrForbidden,
	"unavailable": mailops.ErrUnavailable, "invalid": mailops.ErrInvalid, "policy": mailops.ErrPolicy,
}

// tenantRPC serves a driver. after, if set, runs after each call with its
// method and args (the test blocks the reply of the call it kills the
// child in).
type tenantRPC struct {
	d     mailops.Driver
	after func(method string, args json.RawMessage)
}

func (s *tenantRPC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var c rpcCall
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	res, err := s.dispatch(r.Context(), c)
	if s.after != nil {
		s.after(c.Method, c.Args)
	}
	var rep rpcReply
	if err != nil {
		rep.Err, rep.ErrKind = err.Error(), "internal"
		for k, e := range rpcSentinels {
			if errors.Is(err, e) {
				rep.ErrKind = k
			}
		}
	} else if res != nil {
		rep.Result, _ = json.Marshal(res)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(rep)
}

func (s *tenantRPC) dispatch(ctx context.Context, c rpcCall) (any, error) {
	var a struct {
		Name    string            `json:"name"`
		Addr    mailops.Address   `json:"addr"`
		Group   mailops.Group     `json:"group"`
		Members []mailops.Address `json:"members"`
	}
	if err := json.Unmarshal(c.Args, &a); err != nil {
		return nil, err
	}
	switch c.Method {
	case "GetDomain":
		return s.d.GetDomain(ctx, a.Name)
	case "ListDomains":
		return s.d.ListDomains(ctx)
	case "GetRecipient":
		return s.d.GetRecipient(ctx, a.Addr)
	case "ListRecipients":
		return s.d.ListRecipients(ctx)
	case "GetGroup":
		return s.d.GetGroup(ctx, a.Addr)
	case "ListGroups":
		return s.d.ListGroups(ctx)
	case "CreateGroup":
		return nil, s.d.CreateGroup(ctx, a.Group)
	case "SetGroupMembers":
		return nil, s.d.SetGroupMembers(ctx, a.Addr, a.Members)
	case "DeleteGroup":
		return nil, s.d.DeleteGroup(ctx, a.Addr)
	}
	return nil, fmt.Errorf("tenant rpc: method %q not served", c.Method)
}

// rpcDriver is the child's driver: the calls the service makes, over the
// RPC. Any other call panics (the embedded nil Driver): the service makes
// none.
type rpcDriver struct {
	mailops.Driver
	url string
}

func (d rpcDriver) call(ctx context.Context, method string, args, out any) error {
	body, err := json.Marshal(rpcCall{Method: method, Args: mustJSON(args)})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", mailops.ErrUnavailable, err)
	}
	defer res.Body.Close()
	var rep rpcReply
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil {
		return fmt.Errorf("%w: reply: %w", mailops.ErrUnavailable, err)
	}
	if rep.ErrKind != "" {
		if e, ok := rpcSentinels[rep.ErrKind]; ok {
			return fmt.Errorf("%w: %s", e, rep.Err)
		}
		return errors.New(rep.Err)
	}
	if out != nil {
		return json.Unmarshal(rep.Result, out)
	}
	return nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

type rpcArgs map[string]any

func (d rpcDriver) GetDomain(ctx context.Context, name string) (mailops.Domain, error) {
	var out mailops.Domain
	return out, d.call(ctx, "GetDomain", rpcArgs{"name": name}, &out)
}

func (d rpcDriver) ListDomains(ctx context.Context) ([]mailops.Domain, error) {
	var out []mailops.Domain
	return out, d.call(ctx, "ListDomains", rpcArgs{}, &out)
}

func (d rpcDriver) GetRecipient(ctx context.Context, a mailops.Address) (mailops.Recipient, error) {
	var out mailops.Recipient
	return out, d.call(ctx, "GetRecipient", rpcArgs{"addr": a}, &out)
}

func (d rpcDriver) ListRecipients(ctx context.Context) ([]mailops.Recipient, error) {
	var out []mailops.Recipient
	return out, d.call(ctx, "ListRecipients", rpcArgs{}, &out)
}

func (d rpcDriver) GetGroup(ctx context.Context, a mailops.Address) (mailops.Group, error) {
	var out mailops.Group
	return out, d.call(ctx, "GetGroup", rpcArgs{"addr": a}, &out)
}

func (d rpcDriver) ListGroups(ctx context.Context) ([]mailops.Group, error) {
	var out []mailops.Group
	return out, d.call(ctx, "ListGroups", rpcArgs{}, &out)
}

func (d rpcDriver) CreateGroup(ctx context.Context, g mailops.Group) error {
	return d.call(ctx, "CreateGroup", rpcArgs{"group": g}, nil)
}

func (d rpcDriver) SetGroupMembers(ctx context.Context, a mailops.Address, members []mailops.Address) error {
	return d.call(ctx, "SetGroupMembers", rpcArgs{"addr": a, "members": members}, nil)
}

func (d rpcDriver) DeleteGroup(ctx context.Context, a mailops.Address) error {
	return d.call(ctx, "DeleteGroup", rpcArgs{"addr": a}, nil)
}
