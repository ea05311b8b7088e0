package delegate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/mailops-dev/mailops/mailops"
)

// Service takes requests in, through the policy and the approval rules, and
// hands approved ones to the queue: the move to queued, its audit entry and
// the job commit in one transaction (Enqueue's hook).
type Service struct {
	Store  Store
	Config Config
	Clock  mailops.Clock
	// Enqueue returns the hook that inserts r's job in the store's
	// transaction (Queue.Enqueue).
	Enqueue func(r Request) TxHook
	// Outbox, if set, queues each notification in the transaction of its
	// state change (Queue.Outbox), so that none is lost to a crash;
	// otherwise Notify, if set, is called after the commit.
	Outbox func(r Request) TxHook
	// Notify, without an Outbox, hears of requests awaiting approval,
	// rejected or failed at intake.
	Notify Notifier
	// Logger records notification failures; default discards.
	Logger *slog.Logger
	// Previewer, if set, runs each request's plan in the mail-flow
	// simulator before approval (the simulated state); a predicted loss
	// sends the request to IT even where the rules would approve it.
	// Without one a request goes from validated straight to its approval
	// decision, and the audit log says it was not simulated.
	Previewer Previewer
}

// maxIntake bounds the automatic moves of one request (submitted to queued
// is at most five).
const maxIntake = 8

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b[:])
}

// Submit checks r (shape, delegated domain, policy, no escalation) and
// stores it, then moves it as far as it goes by itself: validated,
// simulated (its plan run by the Previewer; skipped without one), then
// awaiting approval, or auto-approved and queued. A request
// whose submitter already used its IdempotencyKey is not stored again: the
// earlier one is resumed and returned with existing true.
func (s *Service) Submit(ctx context.Context, a Actor, r Request) (Request, bool, error) {
	r, err := r.Normalize()
	if err != nil {
		return Request{}, false, err
	}
	if err := r.Validate(); err != nil {
		return Request{}, false, err
	}
	if _, ok := s.Config.Domain(r.Domain); !ok && !(r.Kind.SelfService() && s.Config.selfDomain(r)) {
		return Request{}, false, fmt.Errorf("delegate: domain %s is not delegated: %w", r.Domain, mailops.ErrNotFound)
	}
	r.Submitter, r.SubmitterEmail = a.Subject, a.Email
	if err := Allow(a, ActSubmit, r); err != nil {
		return Request{}, false, err
	}
	if s.Config.escalates(r) {
		return Request{}, false, fmt.Errorf("%w: %w", mailops.ErrForbidden, &mailops.PolicyError{Field: "Request.Kind", Value: string(r.Address()),
			Reason: "joining a domain's admin group would make its member an admin: no escalation through self-service"})
	}
	now := s.Clock.Now()
	r.ID, r.State, r.CreatedAt, r.UpdatedAt = newID(), Submitted, now, now
	r.NeedsApproval = s.Config.NeedsApproval(r)
	stored, existing, err := s.Store.Insert(ctx, r, Entry{At: now, Actor: a.Subject, Event: "submit", Detail: string(r.Kind) + " " + string(r.Address())}, nil)
	if err != nil {
		return Request{}, false, err
	}
	out, err := s.advance(ctx, stored)
	return out, existing, err
}

// advance makes the automatic moves from r's state; it stops at a state
// that waits for someone (approval, the queue) or ends.
func (s *Service) advance(ctx context.Context, r Request) (Request, error) {
	for range maxIntake {
		var to State
		var detail string
		var hook TxHook
		var mod func(*Request)
		switch r.State {
		case Submitted:
			to, detail = Validated, "shape, domain and policy checked"
		case Validated:
			p, err := s.Config.Plan(r)
			if err != nil {
				to, detail = Failed, err.Error()
				break
			}
			pv, err := s.preview(ctx, r, p)
			switch {
			case err != nil:
				to, detail = Failed, err.Error()
			case pv == nil:
				to, detail = s.decision(r, "plan "+p.Fingerprint()+" built and validated; not simulated (no previewer)")
			default:
				to, detail = Simulated, "plan "+p.Fingerprint()+" simulated: "+pv.Summary()
				mod = func(r *Request) {
					r.Preview = pv
					r.NeedsApproval = r.NeedsApproval || !pv.NoLoss
				}
			}
		case Simulated:
			to, detail = s.decision(r, "")
		case AutoApproved, Approved:
			to, hook = Queued, s.Enqueue(r)
		default:
			return r, nil
		}
		next, err := s.move(ctx, r.ID, "service", to, detail, hook, mod)
		if err != nil {
			return r, err
		}
		r = next
	}
	return r, nil
}

// decision is the move to the approval decision, with what led to it.
func (s *Service) decision(r Request, prefix string) (State, string) {
	if prefix != "" {
		prefix += "; "
	}
	switch {
	case !r.NeedsApproval:
		return AutoApproved, prefix + "the domain's rules approve it"
	case r.Preview != nil && !r.Preview.NoLoss:
		return AwaitingApproval, prefix + "the preview predicts lost mail: IT decides"
	}
	return AwaitingApproval, prefix + "the domain's rules send it to IT"
}

func (s *Service) move(ctx context.Context, id, actor string, to State, detail string, hook TxHook, mod func(*Request)) (Request, error) {
	var after Request
	r, err := s.Store.Update(ctx, id, func(r *Request) (Entry, error) {
		if mod != nil {
			mod(r)
		}
		r.State = to
		r.UpdatedAt = s.Clock.Now()
		if to == Failed {
			r.Reason = detail
		}
		after = *r
		return Entry{At: r.UpdatedAt, Actor: actor, Event: string(to), Detail: detail}, nil
	}, chain(hook, noticeHook(s.Outbox, &after)))
	if err == nil {
		s.notify(ctx, r)
	}
	return r, err
}

// notify tells Notify of r after its commit, when there is no Outbox.
func (s *Service) notify(ctx context.Context, r Request) {
	if s.Outbox != nil || s.Notify == nil || !notifies(r.State) {
		return
	}
	if err := s.Notify.Notify(ctx, r); err != nil && s.Logger != nil {
		s.Logger.WarnContext(ctx, "delegate: notification failed", slog.String("request", r.ID), slog.Any("error", err))
	}
}

// Get reads a request the actor may see.
func (s *Service) Get(ctx context.Context, a Actor, id string) (Request, error) {
	r, err := s.Store.Get(ctx, id)
	if err != nil {
		return Request{}, err
	}
	if err := Allow(a, ActRead, r); err != nil {
		return Request{}, err
	}
	return r, nil
}

// Approve approves a request awaiting approval and queues it.
func (s *Service) Approve(ctx context.Context, a Actor, id string) (Request, error) {
	r, err := s.decide(ctx, a, id, ActApprove, Approved, "")
	if err != nil {
		return r, err
	}
	return s.advance(ctx, r)
}

// Reject rejects a request awaiting approval, with a reason.
func (s *Service) Reject(ctx context.Context, a Actor, id, reason string) (Request, error) {
	return s.decide(ctx, a, id, ActReject, Rejected, reason)
}

// Cancel cancels a request not yet being applied.
func (s *Service) Cancel(ctx context.Context, a Actor, id string) (Request, error) {
	return s.decide(ctx, a, id, ActCancel, Cancelled, "")
}

// decide checks the policy and the transition inside the store's
// transaction, so that two deciders cannot both win.
func (s *Service) decide(ctx context.Context, a Actor, id string, act Action, to State, reason string) (Request, error) {
	var after Request
	r, err := s.Store.Update(ctx, id, func(r *Request) (Entry, error) {
		if err := Allow(a, act, *r); err != nil {
			return Entry{}, err
		}
		if err := Move(r.State, to); err != nil {
			return Entry{}, fmt.Errorf("delegate: %s request %s: %w", act, id, err)
		}
		r.State = to
		r.UpdatedAt = s.Clock.Now()
		if to != Cancelled {
			r.DecidedBy = a.Subject
		}
		if to == Rejected {
			r.Reason = reason
		}
		after = *r
		return Entry{At: r.UpdatedAt, Actor: a.Subject, Event: string(act), Detail: reason}, nil
	}, noticeHook(s.Outbox, &after))
	if err == nil {
		s.notify(ctx, r)
	}
	return r, err
}

// Resume finishes the intake of every request of the delegated domains that
// a crash left between submitted and queued (submitted, validated,
// simulated, auto-approved or approved), and returns how many it moved.
func (s *Service) Resume(ctx context.Context) (int, error) {
	n := 0
	for _, d := range s.Config.allDomains() {
		rs, err := s.Store.List(ctx, d)
		if err != nil {
			return n, err
		}
		for _, r := range rs {
			switch r.State {
			case Submitted, Validated, Simulated, AutoApproved, Approved:
				if _, err := s.advance(ctx, r); err != nil {
					return n, fmt.Errorf("delegate: resume request %s: %w", r.ID, err)
				}
				n++
			}
		}
	}
	return n, nil
}
