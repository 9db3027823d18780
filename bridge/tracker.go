package bridge

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/diemcau/diemcau/attendance"
)

// PresenceStore keeps the consoles' connected intervals.
type PresenceStore interface {
	OpenPresence(ctx context.Context, p *attendance.PresenceInterval) error
	ClosePresence(ctx context.Context, connID string, at time.Time, reason string) error
	SaveHeartbeats(ctx context.Context, hbs []attendance.PresenceInterval) error
}

// Tracker turns the hub's presence events into connected intervals in the store and
// events on the bus. It never blocks the hub for the database: changes queue, and
// heartbeats (every few seconds from every console) are kept in memory and written in
// one batch per flush.
type Tracker struct {
	store PresenceStore
	bus   *Bus
	log   *slog.Logger
	every time.Duration
	in    chan PresenceEvent

	mu    sync.Mutex
	beats map[string]attendance.PresenceInterval // latest per connection, not yet written
	shown map[string]int                         // headcount last published per connection
	live  map[string]Session                     // connections online on this instance
}

// NewTracker returns a tracker that writes heartbeats every flush (default 5 s).
func NewTracker(store PresenceStore, bus *Bus, log *slog.Logger, flush time.Duration) *Tracker {
	if flush <= 0 {
		flush = 5 * time.Second
	}
	return &Tracker{store: store, bus: bus, log: log, every: flush, in: make(chan PresenceEvent, 8192),
		beats: map[string]attendance.PresenceInterval{}, shown: map[string]int{}, live: map[string]Session{}}
}

// Presence receives one event from the hub.
func (t *Tracker) Presence(ev PresenceEvent) {
	if ev.Kind == PresenceHeartbeat && ev.Heartbeat != nil {
		t.mu.Lock()
		t.beats[ev.ConnID] = attendance.PresenceInterval{ConnID: ev.ConnID, ConferenceID: ev.Session.ConferenceID,
			PointID: ev.Session.PointID, Headcount: ev.Heartbeat.Headcount, Visible: ev.Heartbeat.Visible, LastSeenAt: ev.At}
		t.mu.Unlock()
		return
	}
	t.mu.Lock()
	switch ev.Kind {
	case PresenceOnline:
		t.live[ev.ConnID] = ev.Session
	case PresenceOffline:
		delete(t.live, ev.ConnID)
	}
	t.mu.Unlock()
	t.in <- ev
}

// Sessions lists the consoles online on this instance.
func (t *Tracker) Sessions() []Session {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Session, 0, len(t.live))
	for _, s := range t.live {
		out = append(out, s)
	}
	return out
}

// Run writes the queued changes and the heartbeats until ctx ends, then drains what is
// left.
func (t *Tracker) Run(ctx context.Context) {
	tick := time.NewTicker(t.every)
	defer tick.Stop()
	bg := context.WithoutCancel(ctx)
	for {
		select {
		case ev := <-t.in:
			t.apply(bg, ev)
		case <-tick.C:
			t.flush(bg)
		case <-ctx.Done():
			for {
				select {
				case ev := <-t.in:
					t.apply(bg, ev)
				default:
					t.flush(bg)
					return
				}
			}
		}
	}
}

func (t *Tracker) apply(ctx context.Context, ev PresenceEvent) {
	s := ev.Session
	switch ev.Kind {
	case PresenceOnline:
		p := attendance.PresenceInterval{ConferenceID: s.ConferenceID, PointID: s.PointID, ConnID: ev.ConnID, StartedAt: ev.At}
		if s.ChairMemberID != 0 {
			id := s.ChairMemberID
			p.ChairMemberID = &id
		}
		if err := t.store.OpenPresence(ctx, &p); err != nil {
			t.log.Error("open presence", "point", s.PointID, "err", err)
		}
		t.publish(ctx, EventOnline, s, ev.At, map[string]any{"chairMemberId": s.ChairMemberID})
	case PresenceOffline:
		t.flush(ctx) // the last headcount lands before the interval closes
		if err := t.store.ClosePresence(ctx, ev.ConnID, ev.At, ev.Reason); err != nil {
			t.log.Error("close presence", "point", s.PointID, "err", err)
		}
		t.mu.Lock()
		delete(t.shown, ev.ConnID)
		t.mu.Unlock()
		t.publish(ctx, EventOffline, s, ev.At, map[string]any{"reason": ev.Reason, "outage": ev.Outage()})
	}
}

// flush writes the heartbeats received since the last flush and publishes changed
// headcounts.
func (t *Tracker) flush(ctx context.Context) {
	t.mu.Lock()
	if len(t.beats) == 0 {
		t.mu.Unlock()
		return
	}
	batch := make([]attendance.PresenceInterval, 0, len(t.beats))
	var changed []attendance.PresenceInterval
	for id, b := range t.beats {
		batch = append(batch, b)
		if n, ok := t.shown[id]; !ok || n != b.Headcount {
			t.shown[id] = b.Headcount
			changed = append(changed, b)
		}
	}
	t.beats = map[string]attendance.PresenceInterval{}
	t.mu.Unlock()
	if err := t.store.SaveHeartbeats(ctx, batch); err != nil {
		t.log.Error("save heartbeats", "count", len(batch), "err", err)
	}
	for _, b := range changed {
		t.publish(ctx, EventHeadcount, Session{ConferenceID: b.ConferenceID, PointID: b.PointID}, b.LastSeenAt,
			map[string]any{"headcount": b.Headcount, "visible": b.Visible})
	}
}

func (t *Tracker) publish(ctx context.Context, typ string, s Session, at time.Time, data map[string]any) {
	ev := Event{Type: typ, ConferenceID: s.ConferenceID, PointID: s.PointID, At: at.UTC()}
	if data != nil {
		ev.Data = mustJSON(data)
	}
	if err := t.bus.Publish(ctx, ev); err != nil {
		t.log.Warn("publish presence", "type", typ, "err", err)
	}
}
