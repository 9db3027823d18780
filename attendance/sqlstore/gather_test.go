package sqlstore

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// blockedGatherer is a gatherer with one runner whose first gathering waits for
// release, so the calls made meanwhile queue up for the next one.
type blockedGatherer struct {
	*gatherer[int, int]
	release    chan struct{}
	mu         sync.Mutex
	gatherings [][]int
}

func newBlockedGatherer(max int, apart func(a, b int) bool, fail func([]int) bool) *blockedGatherer {
	b := &blockedGatherer{release: make(chan struct{})}
	b.gatherer = newGatherer(1, max, apart, func(_ context.Context, args []int) ([]int, error) {
		b.mu.Lock()
		first := len(b.gatherings) == 0
		b.gatherings = append(b.gatherings, slices.Clone(args))
		b.mu.Unlock()
		if first {
			<-b.release
		}
		if fail != nil && fail(args) {
			return nil, errors.New("statement failed")
		}
		out := make([]int, len(args))
		for i, a := range args {
			out[i] = a * 10
		}
		return out, nil
	})
	return b
}

// waitBlocked returns once the first gathering is running, held until release.
func (b *blockedGatherer) waitBlocked() {
	for {
		b.mu.Lock()
		n := len(b.gatherings)
		b.mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

type callResult struct {
	arg, val int
	ran      bool
	err      error
}

// start makes the calls, each in its own goroutine, after the first has reached the
// runner; wait returns their results once release lets the runner go on.
func (b *blockedGatherer) start(t *testing.T, args ...int) func() []callResult {
	t.Helper()
	results := make(chan callResult, len(args))
	var wg sync.WaitGroup
	call := func(a int) {
		defer wg.Done()
		v, ran, err := b.do(context.Background(), a)
		results <- callResult{a, v, ran, err}
	}
	wg.Add(1)
	go call(args[0])
	b.waitBlocked() // the first call is in the runner, which now waits for release
	for _, a := range args[1:] {
		wg.Add(1)
		go call(a)
	}
	for len(b.queue) < min(len(args)-1, cap(b.queue)) {
		time.Sleep(time.Millisecond)
	}
	return func() []callResult {
		close(b.release)
		wg.Wait()
		close(results)
		var out []callResult
		for r := range results {
			out = append(out, r)
		}
		slices.SortFunc(out, func(x, y callResult) int { return x.arg - y.arg })
		return out
	}
}

// TestGatherer_Gathers: the calls that queue while the runner is busy run together,
// each answered with its own result, at most max at a time.
func TestGatherer_Gathers(t *testing.T) {
	g := newBlockedGatherer(4, nil, nil)
	defer g.close()
	results := g.start(t, 1, 2, 3, 4, 5, 6, 7)()
	for _, r := range results {
		if !r.ran || r.err != nil || r.val != r.arg*10 {
			t.Errorf("call %d: %+v", r.arg, r)
		}
	}
	// The first ran alone; the six queued behind it ran in gatherings of at most 4,
	// the first of them full (the queue holds 4: the others wait to join it).
	if len(g.gatherings[0]) != 1 || len(g.gatherings[1]) != 4 {
		t.Errorf("gatherings %v, want the first alone, then 4 (the most)", g.gatherings)
	}
	n := 0
	for _, gathering := range g.gatherings {
		if len(gathering) > 4 {
			t.Errorf("gathering %v holds more than 4", gathering)
		}
		n += len(gathering)
	}
	if n != 7 {
		t.Errorf("gatherings %v ran %d calls, want 7", g.gatherings, n)
	}
}

// TestGatherer_Apart: a call that must stay apart from one already gathered is not
// run there; it is answered ran=false once that gathering has run.
func TestGatherer_Apart(t *testing.T) {
	sameTens := func(a, b int) bool { return a/10 == b/10 }
	g := newBlockedGatherer(10, sameTens, nil)
	defer g.close()
	results := g.start(t, 1, 11, 12, 21)()
	ran := map[int]bool{}
	for _, r := range results {
		ran[r.arg] = r.ran
	}
	// 11 and 12 queue together; one of them is gathered with 21, the other set aside.
	if !ran[1] || !ran[21] || ran[11] == ran[12] {
		t.Errorf("ran %v: want 1, 21 and exactly one of 11, 12", ran)
	}
	for _, gathering := range g.gatherings {
		for i, a := range gathering {
			for _, b := range gathering[i+1:] {
				if sameTens(a, b) {
					t.Errorf("gathering %v holds %d and %d", gathering, a, b)
				}
			}
		}
	}
}

// TestGatherer_Failure: when a gathering's statement fails, none of its calls ran:
// each takes its one-at-a-time path, where the one at fault fails alone.
func TestGatherer_Failure(t *testing.T) {
	g := newBlockedGatherer(10, nil, func(args []int) bool { return slices.Contains(args, 3) })
	defer g.close()
	for _, r := range g.start(t, 1, 2, 3, 4)() {
		if want := r.arg == 1; r.ran != want || r.err != nil {
			t.Errorf("call %d: %+v, want ran=%v", r.arg, r, want)
		}
	}
}

// TestGatherer_Close: closing answers the calls still queued (ran=false) and every
// later call, so nothing waits forever.
func TestGatherer_Close(t *testing.T) {
	g := newBlockedGatherer(10, nil, nil)
	wait := g.start(t, 1, 2, 3)
	closed := make(chan struct{})
	go func() { g.close(); close(closed) }()
	for _, r := range wait() {
		if r.err != nil {
			t.Errorf("call %d: %v", r.arg, r.err)
		}
	}
	<-closed
	if _, ran, err := g.do(context.Background(), 9); ran || err != nil {
		t.Errorf("a call after close: ran=%v err=%v", ran, err)
	}
}

// TestGatherer_Cancel: a caller that gives up gets its context's error.
func TestGatherer_Cancel(t *testing.T) {
	g := newBlockedGatherer(10, nil, nil)
	defer func() { close(g.release); g.close() }()
	go g.do(context.Background(), 1) // occupies the runner
	g.waitBlocked()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, ran, err := g.do(ctx, 2); ran || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a call whose context ended: ran=%v err=%v", ran, err)
	}
}

func TestStorable(t *testing.T) {
	for _, tc := range []struct {
		texts []string
		want  bool
	}{
		{nil, true},
		{[]string{"", "Nguyễn Thị Thuỳ Dương", "key-0001"}, true},
		{[]string{"ok", "nul\x00inside"}, false},
		{[]string{"\xff\xfe"}, false},
		{[]string{"cut \xe1\xbb"}, false}, // a truncated "ố"
	} {
		if got := storable(tc.texts...); got != tc.want {
			t.Errorf("storable(%q) = %v, want %v", tc.texts, got, tc.want)
		}
	}
}
