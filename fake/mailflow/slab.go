package mailflow

// slab hands out values of T from blocks of n: a world makes several small
// objects a message (trail nodes, copy headers, the message), and one
// allocation a block instead of one an object is less work for the
// allocator and the collector. A block lives while any of its values is
// referenced; the values of one block are made within moments of each
// other, so they mostly die together. A new value is zero.
type slab[T any] struct{ block []T }

// slabBlock is how many values a block holds.
const slabBlock = 64

// get returns a new zero value.
func (s *slab[T]) get() *T {
	if len(s.block) == cap(s.block) {
		s.block = make([]T, 0, slabBlock)
	}
	s.block = s.block[:len(s.block)+1]
	return &s.block[len(s.block)-1]
}
