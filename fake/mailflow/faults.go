package mailflow

import (
	"sync"
	"sync/atomic"

	"github.com/mailops-dev/mailops/mailops"
)

// SMTP stages a fault can hit.
const (
	StageConnect   = "connect"
	StageMail      = "mail"
	StageRcpt      = "rcpt"
	StageData      = "data"
	StageDataReply = "data-reply" // the host takes the message but its reply is lost
)

// SMTPFault makes a host answer Reply at a stage, for one recipient (or any),
// Count times (0: for ever).
type SMTPFault struct {
	Host  string
	Stage string
	Rcpt  mailops.Address
	Count int
	Reply Reply
}

type faults struct {
	mu sync.Mutex
	fs []*SMTPFault
	// n is len(fs), read without the lock: a world without faults (the
	// usual case) checks every hop against none.
	n atomic.Int32
}

func (f *faults) add(x SMTPFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if x.Reply.Code == 0 {
		x.Reply = Reply{451, "4.3.0", "injected fault"}
	}
	f.fs = append(f.fs, &x)
	f.n.Store(int32(len(f.fs)))
}

// apply returns the fault's reply for this host, stage and recipient, or a
// zero Reply.
func (f *faults) apply(host, stage string, rcpt mailops.Address) Reply {
	if f.n.Load() == 0 {
		return Reply{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applyLocked(host, stage, rcpt)
}

// applyLocked is apply for a caller holding f.mu.
func (f *faults) applyLocked(host, stage string, rcpt mailops.Address) Reply {
	for i, x := range f.fs {
		if x.Host != host || x.Stage != stage || (x.Rcpt != "" && x.Rcpt != rcpt) {
			continue
		}
		r := x.Reply
		if x.Count > 0 {
			x.Count--
			if x.Count == 0 {
				f.fs = append(f.fs[:i], f.fs[i+1:]...)
				f.n.Store(int32(len(f.fs)))
			}
		}
		return r
	}
	return Reply{}
}

// before applies the faults of every stage before DATA completes.
func (f *faults) before(host string, rcpt mailops.Address) Reply {
	if f.n.Load() == 0 {
		return Reply{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, st := range []string{StageConnect, StageMail, StageRcpt, StageData} {
		if r := f.applyLocked(host, st, rcpt); r.Code != 0 {
			return r
		}
	}
	return Reply{}
}
