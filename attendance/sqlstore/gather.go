package sqlstore

import (
	"context"
	"sync"

	"github.com/diemcau/diemcau/attendance"
)

// A gatherer runs the calls that arrive together as one statement. While its runners
// are busy, calls wait in a queue; a runner that comes free takes all those waiting
// (up to max) at once. So during a rush, when a room's hundreds of members check in
// within a minute, a statement, a plan and a commit serve a gathering instead of a
// member; and when calls come one at a time each runs alone, at once, with no timer
// to wait for.
//
// A call that is not run in a gathering, because it may not share one with a call
// already in (apart), because the gathering's statement failed, or because the store
// is closing, is answered ran=false: the caller then takes its one-at-a-time path,
// after the gathering has committed, so it sees what the gathering wrote; and a call
// at fault in a failed gathering fails alone.
type gatherer[T, R any] struct {
	queue chan *gatherCall[T, R]
	stop  chan struct{}
	gone  chan struct{} // closed when the runners have stopped
	wg    sync.WaitGroup
	once  sync.Once
	max   int
	// apart reports whether two calls may not share a gathering; nil means any may.
	apart func(a, b T) bool
	// run runs a gathering and returns one result per call, in order.
	run func(ctx context.Context, args []T) ([]R, error)
}

type gatherCall[T, R any] struct {
	arg  T
	done chan gatherResult[R]
}

type gatherResult[R any] struct {
	val R
	ran bool
}

// newGatherer starts runners goroutines that run gatherings of up to max calls.
func newGatherer[T, R any](runners, max int, apart func(a, b T) bool, run func(context.Context, []T) ([]R, error)) *gatherer[T, R] {
	g := &gatherer[T, R]{queue: make(chan *gatherCall[T, R], runners*max), stop: make(chan struct{}), gone: make(chan struct{}), max: max,
		apart: apart, run: run}
	for range runners {
		g.wg.Add(1)
		go g.runner()
	}
	return g
}

// close stops the runners once the calls they hold are answered.
func (g *gatherer[T, R]) close() {
	g.once.Do(func() {
		close(g.stop)
		g.wg.Wait()
		close(g.gone)
	})
}

// do runs arg in a gathering. ran is false when it was not run there (see gatherer);
// err is only ctx's. A call whose ctx ends while its gathering runs may still have
// been run.
func (g *gatherer[T, R]) do(ctx context.Context, arg T) (val R, ran bool, err error) {
	c := &gatherCall[T, R]{arg: arg, done: make(chan gatherResult[R], 1)}
	select {
	case g.queue <- c:
	case <-g.stop:
		return val, false, nil
	case <-ctx.Done():
		return val, false, ctx.Err()
	}
	select {
	case r := <-c.done:
		return r.val, r.ran, nil
	case <-g.gone:
		// Queued as the runners stopped: answered by one of them, or by no one.
		select {
		case r := <-c.done:
			return r.val, r.ran, nil
		default:
			return val, false, nil
		}
	case <-ctx.Done():
		return val, false, ctx.Err()
	}
}

func (g *gatherer[T, R]) runner() {
	defer g.wg.Done()
	var in, later []*gatherCall[T, R]
	for {
		select {
		case c := <-g.queue:
			in = append(in[:0], c)
		case <-g.stop:
			for {
				select {
				case c := <-g.queue:
					c.done <- gatherResult[R]{}
				default:
					return
				}
			}
		}
		in, later = g.gather(in, later[:0])
		g.runGathering(in)
		for _, c := range later {
			c.done <- gatherResult[R]{}
		}
	}
}

// gather adds to in the calls waiting, up to max, setting aside in later those that
// must stay apart from one already in.
func (g *gatherer[T, R]) gather(in, later []*gatherCall[T, R]) ([]*gatherCall[T, R], []*gatherCall[T, R]) {
	for len(in) < g.max {
		select {
		case c := <-g.queue:
			if g.clashes(in, c) {
				later = append(later, c)
			} else {
				in = append(in, c)
			}
		default:
			return in, later
		}
	}
	return in, later
}

func (g *gatherer[T, R]) clashes(in []*gatherCall[T, R], c *gatherCall[T, R]) bool {
	if g.apart == nil {
		return false
	}
	for _, o := range in {
		if g.apart(o.arg, c.arg) {
			return true
		}
	}
	return false
}

func (g *gatherer[T, R]) runGathering(in []*gatherCall[T, R]) {
	args := make([]T, len(in))
	for i, c := range in {
		args[i] = c.arg
	}
	// The gathering is not any one caller's: it runs to the end whoever gives up.
	ctx, cancel := context.WithTimeout(context.Background(), gatherTimeout)
	defer cancel()
	vals, err := g.run(ctx, args)
	for i, c := range in {
		if err != nil || i >= len(vals) {
			c.done <- gatherResult[R]{}
			continue
		}
		c.done <- gatherResult[R]{val: vals[i], ran: true}
	}
}

// storable reports whether PostgreSQL can store every one of texts: valid UTF-8 with
// no NUL. Text it cannot store would fail a whole gathering, and so the others in it,
// on the way to failing alone; callers send it the one-at-a-time way at once.
func storable(texts ...string) bool {
	for _, t := range texts {
		if !attendance.StorableText(t) {
			return false
		}
	}
	return true
}
