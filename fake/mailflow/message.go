package mailflow

import (
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Message is one submitted message.
type Message struct {
	ID        int
	From      mailops.Address // envelope sender
	FromName  string          // display name in the From header
	To        []mailops.Address
	Origin    string // who sent it: "internet", "partner", "internal", "device", "smtp"
	Submitted time.Time
	Size      int

	// pairs are the ledger's states of (this message, each recipient);
	// rows its message trace rows (indexes into the world's trace log).
	pairs []pairState
	rows  []int
	// live counts the copies alive (InFlight); settled says the ledger has settled the message; keepOpen keeps it
	// from settling before SettleAfter (settle.go).
	live     int32
	settled  bool
	keepOpen bool
	// The usual message has one recipient: its To, pair and first trace
	// rows live in the message (one allocation).
	toInline    [1]mailops.Address
	pairsInline [1]pairState
	rowsInline  [2]int
}

// InFlight reports whether a copy of the message is still on its way: in
// transit, queued or deferred by a sender, held by a list server. Once no
// copy is, nothing more can happen to the message (unless its SMTP client
// sends it again), and a recipient without a delivery or bounce has lost it.
// Read it on the world's loop.
func (m *Message) InFlight() bool { return m.live > 0 }

// Reply is an SMTP reply.
type Reply struct {
	Code     int
	Enhanced string // e.g. "5.4.1"
	Text     string
}

// OK is the positive reply.
var OK = Reply{Code: 250, Enhanced: "2.0.0", Text: "OK"}

func (r Reply) String() string { return fmt.Sprintf("%d %s %s", r.Code, r.Enhanced, r.Text) }

// Positive, Transient and Permanent classify the code.
func (r Reply) Positive() bool  { return r.Code >= 200 && r.Code < 400 }
func (r Reply) Transient() bool { return r.Code >= 400 && r.Code < 500 }
func (r Reply) Permanent() bool { return r.Code >= 500 }

// Replies used by the model (exo-facts section 11).
var (
	ReplyUnknownUser     = Reply{550, "5.1.1", "Bad destination mailbox address"}
	ReplyDBEB            = Reply{550, "5.4.1", "Recipient address rejected: Access denied"}
	ReplyRelayDenied     = Reply{550, "5.4.1", "Relay Access Denied"}
	ReplyNotFoundEXO     = Reply{550, "5.1.10", "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"}
	ReplyHopCount        = Reply{554, "5.4.14", "Hop count exceeded - possible mail loop ATTR34"}
	ReplyGroupAuth       = Reply{550, "5.7.133", "RESOLVER.RST.SenderNotAuthenticatedForGroup; Sender not authenticated for group"}
	ReplyExternalForward = Reply{550, "5.7.520", "Access denied, Your organization does not allow external forwarding. AS(7555)"}
	ReplyUnableToRelay   = Reply{554, "5.7.1", "Unable to relay"}
	ReplyExpired         = Reply{550, "4.4.7", "Message expired"}
	ReplyNoRoute         = Reply{451, "4.4.0", "DNS query failed"}
	ReplyUnavailable     = Reply{421, "4.3.2", "Service not available, closing transmission channel"}
	ReplyTooManyRcpts    = Reply{452, "4.5.3", "Too many recipients"}
	ReplyTooBig          = Reply{552, "5.3.4", "Message size exceeds fixed maximum message size"}
)

// ReplyHostNotFound is a sender's deferral when an MX host has no address
// (NXDOMAIN): it retries until its horizon.
func ReplyHostNotFound(host string) Reply {
	return Reply{451, "4.4.3", "Host or domain name not found. Name service error for name=" + host + " type=A: Host not found"}
}

// Mailbox identifies where a delivered copy landed: "legacy:<addr>",
// "exo:<tenant>:<addr>", "internet:<addr>".
type Mailbox string

// LegacyMailbox, EXOMailbox and InternetMailbox name mailboxes.
func LegacyMailbox(a mailops.Address) Mailbox { return Mailbox("legacy:" + string(a)) }
func EXOMailbox(tenant string, a mailops.Address) Mailbox {
	return Mailbox("exo:" + tenant + ":" + string(a))
}
func InternetMailbox(a mailops.Address) Mailbox { return Mailbox("internet:" + string(a)) }
