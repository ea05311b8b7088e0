package mailflow

// trail is a copy's hop trail as an immutable list that shares prefixes:
// each node points at the trail before it, so a hop costs one small node
// (not a copy of the whole trail), and the copies of one message share the
// hops they have in common. nil is the empty trail. The ledger keeps trails
// in this form and spells them out ([]string) only for what it reports:
// Ledger.Events and the oracle's violations.
type trail struct {
	prev *trail
	hop  string
	n    int // hops in the trail, this one included
}

// push returns the trail with one more hop.
func (t *trail) push(hop string) *trail { return &trail{prev: t, hop: hop, n: t.len() + 1} }

func (t *trail) len() int {
	if t == nil {
		return 0
	}
	return t.n
}

// last returns the i-th hop from the end (0: the last), or "".
func (t *trail) last(i int) string {
	for ; t != nil; t = t.prev {
		if i == 0 {
			return t.hop
		}
		i--
	}
	return ""
}

// contains reports whether the trail holds the hop.
func (t *trail) contains(hop string) bool {
	for ; t != nil; t = t.prev {
		if t.hop == hop {
			return true
		}
	}
	return false
}

// strings spells the trail out, first hop first (nil when empty).
func (t *trail) strings() []string {
	if t == nil {
		return nil
	}
	out := make([]string, t.n)
	for i := t.n - 1; t != nil; t, i = t.prev, i-1 {
		out[i] = t.hop
	}
	return out
}
