package sim

// eventHeap is a binary min-heap of pending events ordered by (at, seq). It is
// typed (no container/heap interface conversions) and keeps each event's
// index, so Timer.Stop removes an event at once instead of leaving it to be
// skipped later.
type eventHeap []*Timer

func before(a, b *Timer) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (h *eventHeap) push(e *Timer) {
	*h = append(*h, e)
	h.up(len(*h)-1, e)
}

// pop removes and returns the earliest event. The heap must not be empty.
func (h *eventHeap) pop() *Timer {
	s := *h
	top := s[0]
	n := len(s) - 1
	last := s[n]
	s[n] = nil
	*h = s[:n]
	if n > 0 {
		h.down(0, last)
	}
	top.index = -1
	return top
}

// remove takes the event at index i out of the heap.
func (h *eventHeap) remove(i int) {
	s := *h
	e := s[i]
	n := len(s) - 1
	last := s[n]
	s[n] = nil
	*h = s[:n]
	if i != n {
		if i > 0 && before(last, (*h)[(i-1)/2]) {
			h.up(i, last)
		} else {
			h.down(i, last)
		}
	}
	e.index = -1
}

// up places e, whose slot is the hole at i, moving parents down.
func (h eventHeap) up(i int, e *Timer) {
	for i > 0 {
		p := (i - 1) / 2
		if !before(e, h[p]) {
			break
		}
		h[i] = h[p]
		h[i].index = i
		i = p
	}
	h[i] = e
	e.index = i
}

// down places e, whose slot is the hole at i, moving children up.
func (h eventHeap) down(i int, e *Timer) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && before(h[r], h[c]) {
			c = r
		}
		if !before(h[c], e) {
			break
		}
		h[i] = h[c]
		h[i].index = i
		i = c
	}
	h[i] = e
	e.index = i
}
