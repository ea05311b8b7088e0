package delegate

import "sync"

// broadcast wakes every waiter at once: wait returns a channel that the next
// signal closes. A waiter takes the channel before it reads the state it
// waits on, so a change committed after that read always wakes it.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns the channel the next signal closes.
func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// signal wakes the current waiters.
func (b *broadcast) signal() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}
