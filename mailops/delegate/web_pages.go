package delegate

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

// domainRows are one domain's addresses and requests for the pages.
type domainRows struct {
	Domain    string
	Addresses []AddressView
	Requests  []RequestView
	Key       string // Idempotency-Key of the page's create form
}

// homeData is the home page: the actor's domains, and for IT the requests
// awaiting their approval.
type homeData struct {
	Domains  []domainRows
	Awaiting []RequestView
}

func (w *Web) addresses(ctx context.Context, domain string) ([]AddressView, error) {
	dc, ok := w.svc.Config.Domain(domain)
	if !ok {
		return nil, fmt.Errorf("delegate: domain %s: %w", domain, mailops.ErrNotFound)
	}
	gs, err := w.book.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	var out []AddressView
	for _, g := range gs {
		if g.PrimaryAddress.Domain() == domain && g.PrimaryAddress != dc.AdminGroup {
			out = append(out, addressView(g))
		}
	}
	slices.SortFunc(out, func(x, y AddressView) int { return strings.Compare(x.Local, y.Local) })
	return out, nil
}

// requests lists a domain's requests, newest first.
func (w *Web) requests(ctx context.Context, domain string) ([]RequestView, error) {
	rs, err := w.svc.Store.List(ctx, domain)
	if err != nil {
		return nil, err
	}
	out := make([]RequestView, 0, len(rs))
	for i := len(rs) - 1; i >= 0; i-- {
		out = append(out, w.svc.Config.view(rs[i]))
	}
	return out, nil
}

func (w *Web) home(rw http.ResponseWriter, r *http.Request, a Actor) {
	var d homeData
	for _, dom := range a.Domains {
		rows, err := w.rows(r.Context(), dom, 10)
		if err != nil {
			w.fail(rw, &a, err)
			return
		}
		d.Domains = append(d.Domains, rows)
		if a.Approver {
			for _, v := range rows.Requests {
				if v.Status == AwaitingApproval && v.Submitter != a.Subject {
					d.Awaiting = append(d.Awaiting, v)
				}
			}
		}
	}
	w.render(rw, http.StatusOK, "home", page{Title: "My domains", Actor: &a, Data: d})
}

// rows reads a domain's addresses and its latest requests (all when
// limit is 0).
func (w *Web) rows(ctx context.Context, domain string, limit int) (domainRows, error) {
	as, err := w.addresses(ctx, domain)
	if err != nil {
		return domainRows{}, err
	}
	rs, err := w.requests(ctx, domain)
	if err != nil {
		return domainRows{}, err
	}
	if limit > 0 && len(rs) > limit {
		rs = rs[:limit]
	}
	return domainRows{Domain: domain, Addresses: as, Requests: rs, Key: rand.Text()}, nil
}

func (w *Web) domain(rw http.ResponseWriter, r *http.Request, a Actor) {
	dom := r.PathValue("domain")
	if err := Allow(a, ActRead, Request{Domain: dom}); err != nil {
		w.fail(rw, &a, err)
		return
	}
	rows, err := w.rows(r.Context(), dom, 0)
	if err != nil {
		w.fail(rw, &a, err)
		return
	}
	w.render(rw, http.StatusOK, "domain", page{Title: dom, Actor: &a, Data: rows})
}

// editData is the edit page of one address.
type editData struct {
	Domain  string
	Address AddressView
	Targets string // one per line
	Key     string
}

func (w *Web) edit(rw http.ResponseWriter, r *http.Request, a Actor) {
	dom, local := r.PathValue("domain"), r.PathValue("local")
	g, err := w.group(r.Context(), a, dom, local)
	if err != nil {
		w.fail(rw, &a, err)
		return
	}
	v := addressView(g)
	w.render(rw, http.StatusOK, "edit", page{Title: string(v.Address), Actor: &a,
		Data: editData{Domain: dom, Address: v, Targets: strings.Join(addrStrings(v.Targets), "\n"), Key: rand.Text()}})
}

func (w *Web) group(ctx context.Context, a Actor, domain, local string) (mailops.Group, error) {
	if err := Allow(a, ActRead, Request{Domain: domain}); err != nil {
		return mailops.Group{}, err
	}
	addr, err := mailops.ParseAddress(local + "@" + domain)
	if err != nil {
		return mailops.Group{}, err
	}
	return w.book.GetGroup(ctx, addr)
}

// targetsField splits a textarea of targets (lines, commas or spaces).
func targetsField(s string) []mailops.Address {
	var out []mailops.Address
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' }) {
		out = append(out, mailops.Address(f))
	}
	return out
}

func (w *Web) submitForm(rw http.ResponseWriter, r *http.Request, a Actor, req Request) {
	req.IdempotencyKey = r.PostForm.Get("key")
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = rand.Text()
	}
	got, _, err := w.svc.Submit(r.Context(), a, req)
	if err != nil {
		w.fail(rw, &a, err)
		return
	}
	http.Redirect(rw, r, "/requests/"+got.ID, http.StatusSeeOther)
}

func (w *Web) replace(rw http.ResponseWriter, r *http.Request, a Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, &a, fmt.Errorf("%w: %w", mailops.ErrInvalid, err))
		return
	}
	dom, local := r.PathValue("domain"), r.PathValue("local")
	g, err := w.group(r.Context(), a, dom, local)
	if err != nil {
		w.fail(rw, &a, err)
		return
	}
	if tag := r.PostForm.Get("etag"); tag != etag(g.Members) {
		w.fail(rw, &a, fmt.Errorf("%w: the targets changed since the page was loaded (now %s); reload and edit again",
			ErrPrecondition, strings.Join(addrStrings(g.Members), ", ")))
		return
	}
	w.submitForm(rw, r, a, Request{Kind: ReplaceTargets, Domain: dom, Local: local, Targets: targetsField(r.PostForm.Get("targets")), From: g.Members})
}

func (w *Web) create(rw http.ResponseWriter, r *http.Request, a Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, &a, fmt.Errorf("%w: %w", mailops.ErrInvalid, err))
		return
	}
	w.submitForm(rw, r, a, Request{Kind: CreateAddress, Domain: r.PathValue("domain"), Local: strings.TrimSpace(r.PostForm.Get("local")),
		Targets: targetsField(r.PostForm.Get("targets"))})
}

func (w *Web) remove(rw http.ResponseWriter, r *http.Request, a Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, &a, fmt.Errorf("%w: %w", mailops.ErrInvalid, err))
		return
	}
	w.submitForm(rw, r, a, Request{Kind: DeleteAddress, Domain: r.PathValue("domain"), Local: r.PathValue("local")})
}

// requestData is a request's page.
type requestData struct {
	R RequestView
	// More are the view's fields the page does not lay out itself (a
	// simulation preview, for example), as indented JSON by name.
	More []field
	// CanDecide: the actor may approve or reject it now; CanCancel: may
	// cancel it now.
	CanDecide, CanCancel bool
}

type field struct{ Name, Value string }

// shown are the RequestView fields the request page lays out.
var shown = []string{"id", "kind", "domain", "local", "address", "targets", "status", "needsApproval", "submitter",
	"decidedBy", "reason", "attempts", "plan", "powershell", "createdAt", "updatedAt"}

func (w *Web) request(rw http.ResponseWriter, r *http.Request, a Actor) {
	req, err := w.svc.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		w.fail(rw, &a, err)
		return
	}
	v := w.svc.Config.view(req)
	d := requestData{R: v, More: moreFields(v)}
	d.CanDecide = req.State == AwaitingApproval && Allow(a, ActApprove, req) == nil
	d.CanCancel = Move(req.State, Cancelled) == nil && Allow(a, ActCancel, req) == nil
	w.render(rw, http.StatusOK, "request", page{Title: "Request " + v.ID, Actor: &a, Data: d, Refresh: !v.Status.Terminal() && v.Status != AwaitingApproval})
}

// moreFields returns v's JSON fields outside shown, sorted by name.
func moreFields(v RequestView) []field {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	var out []field
	for k, raw := range m {
		if slices.Contains(shown, k) {
			continue
		}
		var x any
		_ = json.Unmarshal(raw, &x)
		pretty, _ := json.MarshalIndent(x, "", "  ")
		out = append(out, field{k, string(pretty)})
	}
	slices.SortFunc(out, func(x, y field) int { return strings.Compare(x.Name, y.Name) })
	return out
}

func (w *Web) decideForm(rw http.ResponseWriter, r *http.Request, a Actor) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, &a, fmt.Errorf("%w: %w", mailops.ErrInvalid, err))
		return
	}
	id := r.PathValue("id")
	var err error
	switch r.PathValue("act") {
	case "approve":
		_, err = w.svc.Approve(r.Context(), a, id)
	case "reject":
		_, err = w.svc.Reject(r.Context(), a, id, strings.TrimSpace(r.PostForm.Get("reason")))
	case "cancel":
		_, err = w.svc.Cancel(r.Context(), a, id)
	default:
		err = fmt.Errorf("delegate: %w: no action %q", mailops.ErrNotFound, r.PathValue("act"))
	}
	if err != nil {
		w.fail(rw, &a, err)
		return
	}
	http.Redirect(rw, r, "/requests/"+id, http.StatusSeeOther)
}
