// Package pgbus relays live events between diemcau instances that share one
// PostgreSQL database, with LISTEN/NOTIFY: no broker to run, and an event raised on one
// instance reaches the boards of every instance.
package pgbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

// Relay implements bridge.Relay over one PostgreSQL database.
type Relay struct {
	url  string
	pool *pgxpool.Pool
	log  *slog.Logger
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
	return &Relay{url: url, pool: pool, log: log}, nil
}

// Close releases the relay's connections.
func (r *Relay) Close() { r.pool.Close() }

// Send notifies every listening instance.
func (r *Relay) Send(ctx context.Context, payload []byte) error {
	if len(payload) > maxPayload {
		return ErrTooLarge
	}
	_, err := r.pool.Exec(ctx, "SELECT pg_notify($1, $2)", Channel, string(payload))
	if err != nil {
		return fmt.Errorf("pgbus: notify: %w", err)
	}
	return nil
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
