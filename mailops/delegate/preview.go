package delegate

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

// Previewer predicts what a request's plan does to mail before anyone
// approves it: it runs the plan against the replica in a mail-flow
// simulation with traffic to every address the request touches. The
// implementation lives outside this package (fake/mailflow/preview), since
// the library never imports the simulator.
type Previewer interface {
	Preview(ctx context.Context, in PreviewInput) (Preview, error)
}

// PreviewInput is what a Previewer gets.
type PreviewInput struct {
	Request Request
	Plan    *mailops.Plan
	// Replica is the service's read model of the tenant's addresses, the
	// world the plan runs in.
	Replica Replica
	Config  Config
}

// Loss is one way mail to an address is predicted to go wrong.
type Loss struct {
	Address mailops.Address `json:"address"`
	// Class is the simulator's verdict: bounced, lost, looped,
	// misdelivered.
	Class string `json:"class"`
	// Reason is why: the bounce's SMTP reply and where, or what dropped it.
	Reason string `json:"reason"`
	// Messages is how many of the simulated messages it happened to.
	Messages int `json:"messages"`
}

// Preview is the simulator's prediction for a request.
type Preview struct {
	// NoLoss is true when every simulated message reached its people and
	// the plan ran to its end.
	NoLoss bool `json:"noLoss"`
	// Sent and Delivered count simulated (message, recipient) pairs.
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	// Losses are the predicted bounces and losses, by address and reason.
	Losses []Loss `json:"losses,omitempty"`
	// PlanError is the error the plan hit in the simulation, if any.
	PlanError string `json:"planError,omitempty"`
	// Addresses are the addresses the simulated traffic went to.
	Addresses []mailops.Address `json:"addresses"`
	// Seed reproduces the simulation.
	Seed uint64 `json:"seed"`
}

// Summary is the prediction in one line, as the approver and the audit log
// see it: "no mail lost" or the losses and why.
func (p Preview) Summary() string {
	if p.NoLoss {
		return fmt.Sprintf("no mail lost (%d simulated messages to %d addresses, seed %d)", p.Sent, len(p.Addresses), p.Seed)
	}
	var parts []string
	if p.PlanError != "" {
		parts = append(parts, "the plan fails: "+p.PlanError)
	}
	for _, l := range p.Losses {
		parts = append(parts, fmt.Sprintf("%d %s to %s: %s", l.Messages, l.Class, l.Address, l.Reason))
	}
	return fmt.Sprintf("mail lost (%d of %d simulated messages delivered, seed %d): %s", p.Delivered, p.Sent, p.Seed, strings.Join(parts, "; "))
}

// preview runs the configured Previewer on r's plan against the stored
// replica; nil without a Previewer.
func (s *Service) preview(ctx context.Context, r Request, p *mailops.Plan) (*Preview, error) {
	if s.Previewer == nil {
		return nil, nil
	}
	rep, err := s.Store.Replica(ctx)
	if err != nil {
		return nil, err
	}
	out, err := s.Previewer.Preview(ctx, PreviewInput{Request: r, Plan: p, Replica: rep, Config: s.Config})
	if err != nil {
		return nil, fmt.Errorf("delegate: preview of request %s: %w", r.ID, err)
	}
	return &out, nil
}
