package delegate

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// AddressView is one address of a domain's table.
type AddressView struct {
	Local   string            `json:"local" doc:"Local part"`
	Address mailops.Address   `json:"address" doc:"The full address"`
	Targets []mailops.Address `json:"targets" doc:"Where its mail goes (the group's members)"`
	ETag    string            `json:"etag" doc:"Version of the targets, for If-Match"`
}

// RequestView is a request as the API shows it.
type RequestView struct {
	ID            string            `json:"id"`
	Kind          Kind              `json:"kind" enum:"create_address,replace_targets,delete_address,set_display_name,join_group,leave_group"`
	Domain        string            `json:"domain"`
	Local         string            `json:"local"`
	Address       mailops.Address   `json:"address"`
	Targets       []mailops.Address `json:"targets,omitempty"`
	Status        State             `json:"status" enum:"submitted,validated,simulated,awaiting_approval,auto_approved,approved,queued,applying,converged,done,rejected,cancelled,failed"`
	NeedsApproval bool              `json:"needsApproval"`
	Submitter     string            `json:"submitter"`
	DecidedBy     string            `json:"decidedBy,omitempty"`
	Reason        string            `json:"reason,omitempty"`
	Attempts      int               `json:"attempts"`
	Plan          []string          `json:"plan" doc:"The operations, described"`
	PowerShell    string            `json:"powershell" doc:"The equivalent Exchange Online PowerShell"`
	Member        mailops.Address   `json:"member,omitempty" doc:"Who a self-service request is for"`
	DisplayName   string            `json:"displayName,omitempty" doc:"The simple display name a display-name request asks for"`
	Preview       *Preview          `json:"preview,omitempty" doc:"The mail-flow simulator's prediction, made before approval"`
	CreatedAt     time.Time         `json:"createdAt"`
	UpdatedAt     time.Time         `json:"updatedAt"`
}

func (c Config) view(r Request) RequestView {
	v := RequestView{ID: r.ID, Kind: r.Kind, Domain: r.Domain, Local: r.Local, Address: r.Address(), Targets: r.Targets,
		Status: r.State, NeedsApproval: r.NeedsApproval, Submitter: r.Submitter, DecidedBy: r.DecidedBy, Reason: r.Reason,
		Attempts: r.Attempts, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Plan: []string{},
		Member: r.Member, DisplayName: r.DisplayName, Preview: r.Preview}
	if p, err := c.Plan(r); err == nil {
		for _, op := range p.Operations() {
			v.Plan = append(v.Plan, op.Describe())
		}
		v.PowerShell = p.PowerShell()
	}
	return v
}

// etag versions a target list, whatever its order.
func etag(targets []mailops.Address) string {
	s := slices.Clone(targets)
	slices.Sort(s)
	h := sha256.Sum256([]byte(strings.Join(addrStrings(s), "\n")))
	return `"` + hex.EncodeToString(h[:8]) + `"`
}

func addrStrings(as []mailops.Address) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

func addressView(g mailops.Group) AddressView {
	return AddressView{Local: g.PrimaryAddress.Local(), Address: g.PrimaryAddress, Targets: g.Members, ETag: etag(g.Members)}
}
