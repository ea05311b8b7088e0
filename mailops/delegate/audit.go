package delegate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrAuditBroken means the audit chain does not verify: an entry was changed,
// removed or inserted after it was written.
var ErrAuditBroken = errors.New("delegate: audit chain broken")

// Entry is one audit record: a state change of a request, by an actor. The
// store numbers entries from 1 without gaps and chains them: each Hash covers
// the previous entry's Hash and every other field of the entry.
type Entry struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	RequestID string    `json:"requestId"`
	Actor     string    `json:"actor"`
	Event     string    `json:"event"`
	From      State     `json:"from"`
	To        State     `json:"to"`
	Detail    string    `json:"detail,omitempty"`
	PrevHash  string    `json:"prevHash"`
	Hash      string    `json:"hash"`
}

// chainHash is the hash of e given the previous entry's hash: SHA-256 over
// the previous hash and the canonical JSON of the entry's other fields.
func chainHash(prev string, e Entry) string {
	body, err := json.Marshal(struct {
		Seq       int64  `json:"seq"`
		AtNanos   int64  `json:"atNanos"`
		RequestID string `json:"requestId"`
		Actor     string `json:"actor"`
		Event     string `json:"event"`
		From      State  `json:"from"`
		To        State  `json:"to"`
		Detail    string `json:"detail"`
	}{e.Seq, e.At.UnixNano(), e.RequestID, e.Actor, e.Event, e.From, e.To, e.Detail})
	if err != nil {
		panic(err) // strings and integers always marshal
	}
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// seal numbers e after the chain's head and computes its hashes.
func seal(e Entry, headSeq int64, headHash string) Entry {
	e.Seq = headSeq + 1
	e.At = time.Unix(0, e.At.UnixNano()).UTC()
	e.PrevHash = headHash
	e.Hash = chainHash(headHash, e)
	return e
}

// verifyChain checks entries, which must be the whole log in order: numbered
// from 1 without gaps, each linked to its predecessor's hash, each hash
// matching its content, and the last matching the recorded head.
func verifyChain(entries []Entry, headSeq int64, headHash string) error {
	prev := ""
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			return fmt.Errorf("%w: entry %d has sequence number %d", ErrAuditBroken, i+1, e.Seq)
		}
		if e.PrevHash != prev {
			return fmt.Errorf("%w: entry %d does not link to entry %d", ErrAuditBroken, e.Seq, e.Seq-1)
		}
		if chainHash(prev, e) != e.Hash {
			return fmt.Errorf("%w: entry %d does not match its hash", ErrAuditBroken, e.Seq)
		}
		prev = e.Hash
	}
	if int64(len(entries)) != headSeq || prev != headHash {
		return fmt.Errorf("%w: the log ends at entry %d, its head records entry %d", ErrAuditBroken, len(entries), headSeq)
	}
	return nil
}
