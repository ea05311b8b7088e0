package mailflow

import (
	"fmt"
	"testing"
)

// TestReadCountsPastItsInlineRoom checks that counting copies read per
// person gives the same counts with few people (kept in place) and with
// many (moved to a map), repeated names included.
func TestReadCountsPastItsInlineRoom(t *testing.T) {
	for _, people := range []int{1, 8, 9, 40} {
		var c readCounts
		want := map[string]int{}
		for i := 0; i < 3*people; i++ {
			p := fmt.Sprintf("p%d", (i*7)%people)
			c.add(p)
			want[p]++
		}
		for p, n := range want {
			if got := c.get(p); got != n {
				t.Fatalf("%d people: %s counted %d, want %d", people, p, got, n)
			}
		}
		if c.get("nobody") != 0 {
			t.Fatalf("%d people: a person who read nothing has a count", people)
		}
	}
}
