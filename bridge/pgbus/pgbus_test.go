package pgbus_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/diemcau/diemcau/bridge"
	"github.com/diemcau/diemcau/bridge/pgbus"
	"github.com/diemcau/diemcau/internal/testdb"
)

// relayTest skips t without PostgreSQL; otherwise it returns a context that ends
// with the test (20 s at most) and the URL of a schema of the test's own.
func relayTest(t *testing.T) (context.Context, string) {
	base := os.Getenv(testdb.EnvURL)
	if base == "" {
		t.Skip("set " + testdb.EnvURL + " to run the LISTEN/NOTIFY relay on PostgreSQL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx, testdb.Schema(t, base)
}

// TestRelay_TwoInstances: an event published on one instance's bus reaches a
// subscriber of another instance sharing the database, once.
func TestRelay_TwoInstances(t *testing.T) {
	ctx, url := relayTest(t)
	log := slog.New(slog.DiscardHandler)
	var buses []*bridge.Bus
	for _, origin := range []string{"one", "two"} {
		r, err := pgbus.New(ctx, url, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.Close)
		b := bridge.NewBus(origin, r)
		go b.Run(ctx)
		buses = append(buses, b)
	}
	sub := buses[1].Subscribe(42)
	self := buses[0].Subscribe(42)
	// LISTEN is issued when Run starts; give it a moment, then publish until seen.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := buses[0].Publish(ctx, bridge.Event{Type: bridge.EventOffline, ConferenceID: 42, PointID: 3}); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-sub.C:
			if ev.Type != bridge.EventOffline || ev.PointID != 3 || ev.Origin != "one" {
				t.Fatalf("got %+v", ev)
			}
			// The publisher's own subscriber got it once, locally, not again via the relay.
			time.Sleep(300 * time.Millisecond)
			if n := len(self.C); n < 1 {
				t.Errorf("the publishing instance's subscriber got %d events", n)
			}
			seen := map[string]int{}
			for len(self.C) > 0 {
				seen[(<-self.C).ID]++
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("event %s delivered %d times on its own instance", id, n)
				}
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the other instance never got the event")
		}
	}
}

// TestRelay_Burst: a burst of events, sent a batch per statement, reaches the other
// instance complete and in order, and Close sends what is still queued.
func TestRelay_Burst(t *testing.T) {
	ctx, url := relayTest(t)
	log := slog.New(slog.DiscardHandler)
	listener, err := pgbus.New(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(listener.Close)
	got := make(chan string, 10_000)
	go listener.Listen(ctx, func(p []byte) { got <- string(p) })
	sender, err := pgbus.New(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the listener listens: probes until one arrives.
	for ready := false; !ready; {
		if err := sender.Send(ctx, []byte("probe")); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			ready = true
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("the listener never heard a probe")
		}
	}
	for len(got) > 0 {
		<-got
	}
	const n = 3000
	for i := range n {
		if err := sender.Send(ctx, []byte(strconv.Itoa(i))); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	sender.Close() // sends what is still queued
	if err := sender.Send(ctx, []byte("late")); !errors.Is(err, pgbus.ErrClosed) {
		t.Errorf("an event after Close: %v, want ErrClosed", err)
	}
	if err := listener.Send(ctx, make([]byte, 8000)); !errors.Is(err, pgbus.ErrTooLarge) {
		t.Errorf("an 8,000-byte event: %v, want ErrTooLarge", err)
	}
	for i := range n {
		select {
		case p := <-got:
			if p != strconv.Itoa(i) {
				t.Fatalf("event %d arrived as %q", i, p)
			}
		case <-ctx.Done():
			t.Fatalf("%d of %d events arrived", i, n)
		}
	}
}
