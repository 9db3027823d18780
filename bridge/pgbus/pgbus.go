// Package pgbus relays live events between diemcau instances that share one
// PostgreSQL database, with LISTEN/NOTIFY: no broker to run, and an event raised on one
// instance reaches the boards of every instance.
package pgbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Channel is the NOTIFY channel diemcau uses.
const Channel = "diemcau_events"

// maxPayload is PostgreSQL's NOTIFY payload limit (8000 bytes) with a margin.
const maxPayload = 7900

// ErrTooLarge means an event does not fit in one notification.
var ErrTooLarge = errors.New("pgbus: event larger than a notification")

// ErrBusy means the queue of events waiting to be sent is full: the database is not
// keeping up. The event has reached this instance's boards but not the others'.
var ErrBusy = errors.New("pgbus: too many events waiting to be sent")

// ErrClosed means the relay was closed.
var ErrClosed = errors.New("pgbus: relay closed")

// queueSize is how many events may wait for the sender; maxBatch how many one
// statement sends.
const (
	queueSize = 8192
	maxBatch  = 256
)

// Relay implements bridge.Relay over one PostgreSQL database. Events are sent by one
// goroutine, all those waiting in one statement: during a check-in rush a NOTIFY per
// check-in would cost a round trip and a commit each.
type Relay struct {
	url   string
	pool  *pgxpool.Pool
	log   *slog.Logger
	queue chan string
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// New connects a relay to the database at url.
func New(ctx context.Context, url string, log *slog.Logger) (*Relay, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgbus: %w", err)
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgbus: %w", err)
	}
	r := &Relay{url: url, pool: pool, log: log, queue: make(chan string, queueSize),
		stop: make(chan struct{}), done: make(chan struct{})}
	go r.send()
	return r, nil
}

// Close sends the events still waiting and releases the relay's connections.
func (r *Relay) Close() {
	r.once.Do(func() {
		close(r.stop)
		<-r.done
		r.pool.Close()
	})
}

// Send queues an event for every listening instance and returns at once; the sender
// logs a failed send. An event that does not fit a notification is ErrTooLarge, one
// that finds the queue full ErrBusy, one after Close ErrClosed.
func (r *Relay) Send(ctx context.Context, payload []byte) error {
	if len(payload) > maxPayload {
		return ErrTooLarge
	}
	select {
	case <-r.stop:
		return ErrClosed
	default:
	}
	select {
	case r.queue <- string(payload):
		return nil
	default:
		return ErrBusy
	}
}

// send notifies, in one statement, every event that has queued up since the last
// one, until Close; then it sends what is left.
func (r *Relay) send() {
	defer close(r.done)
	batch := make([]string, 0, maxBatch)
	for {
		select {
		case p := <-r.queue:
			batch = append(batch[:0], p)
		case <-r.stop:
			for {
				batch = r.take(batch[:0])
				if len(batch) == 0 {
					return
				}
				r.notify(batch)
			}
		}
		r.notify(r.take(batch))
	}
}

// take adds to batch the events waiting, up to maxBatch.
func (r *Relay) take(batch []string) []string {
	for len(batch) < maxBatch {
		select {
		case p := <-r.queue:
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
}

func (r *Relay) notify(batch []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := r.pool.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS e(p, n) ORDER BY n`,
		Channel, batch)
	if err != nil {
		r.log.Warn("event relay could not send; other instances miss these events", "events", len(batch), "err", err)
	}
}

// Listen delivers notifications until ctx ends, reconnecting after a lost connection.
func (r *Relay) Listen(ctx context.Context, deliver func([]byte)) error {
	wait := time.Second
	for {
		err := r.listenOnce(ctx, deliver)
		if ctx.Err() != nil {
			return nil
		}
		r.log.Warn("event relay lost its connection; reconnecting", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

func (r *Relay) listenOnce(ctx context.Context, deliver func([]byte)) error {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection keeps LISTEN state: take it out of the pool for good.
	c := conn.Hijack()
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return err
	}
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		deliver([]byte(n.Payload))
	}
}
