package sim

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestHeapMatchesSortedModel checks the indexed heap against a sorted slice
// under random pushes, pops and removals.
func TestHeapMatchesSortedModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var h eventHeap
		var model []*Timer
		seq := uint64(0)
		ops := rapid.IntRange(1, 300).Draw(t, "ops")
		for range ops {
			switch op := rapid.IntRange(0, 2).Draw(t, "op"); {
			case op == 0 || len(model) == 0:
				seq++
				e := &Timer{at: int64(rapid.IntRange(0, 20).Draw(t, "at")), seq: seq}
				h.push(e)
				model = append(model, e)
			case op == 1:
				slices.SortFunc(model, func(a, b *Timer) int {
					if before(a, b) {
						return -1
					}
					return 1
				})
				got := h.pop()
				require.Same(t, model[0], got)
				require.Equal(t, -1, got.index)
				model = model[1:]
			default:
				e := model[rapid.IntRange(0, len(model)-1).Draw(t, "victim")]
				require.Same(t, e, h[e.index], "index kept up to date")
				h.remove(e.index)
				require.Equal(t, -1, e.index)
				model = slices.DeleteFunc(model, func(x *Timer) bool { return x == e })
			}
			require.Len(t, h, len(model))
			for i, e := range h {
				require.Equal(t, i, e.index)
				if i > 0 {
					require.False(t, before(e, h[(i-1)/2]), "heap order at %d", i)
				}
			}
		}
	})
}
