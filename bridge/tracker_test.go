package bridge

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
)

// memPresence is a PresenceStore in memory.
type memPresence struct {
	mu     sync.Mutex
	open   map[string]attendance.PresenceInterval
	closed []attendance.PresenceInterval
	saves  int
}

func (m *memPresence) OpenPresence(_ context.Context, p *attendance.PresenceInterval) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.open[p.ConnID] = *p
	return nil
}

func (m *memPresence) ClosePresence(_ context.Context, conn string, at time.Time, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.open[conn]
	p.EndedAt, p.EndReason = &at, reason
	m.closed = append(m.closed, p)
	delete(m.open, conn)
	return nil
}

func (m *memPresence) SaveHeartbeats(_ context.Context, hbs []attendance.PresenceInterval) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves++
	for _, h := range hbs {
		p := m.open[h.ConnID]
		p.Headcount = h.Headcount
		m.open[h.ConnID] = p
	}
	return nil
}

func TestTracker(t *testing.T) {
	store := &memPresence{open: map[string]attendance.PresenceInterval{}}
	bus := NewBus("t", nil)
	sub := bus.Subscribe(1)
	tr := NewTracker(store, bus, slog.New(slog.DiscardHandler), 50*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { tr.Run(ctx); close(done) }()

	s := Session{ConferenceID: 1, PointID: 9, ChairMemberID: 4}
	at := time.Date(2026, 2, 7, 1, 0, 0, 0, time.UTC)
	tr.Presence(PresenceEvent{Kind: PresenceOnline, Session: s, ConnID: "c1", At: at})
	for i := range 10 {
		tr.Presence(PresenceEvent{Kind: PresenceHeartbeat, Session: s, ConnID: "c1", At: at.Add(time.Duration(i) * time.Second),
			Heartbeat: &Heartbeat{Headcount: 20 + i%2, Visible: true}})
	}
	want := func(typ string) Event {
		t.Helper()
		select {
		case ev := <-sub.C:
			if ev.Type != typ {
				t.Fatalf("got %s event, want %s", ev.Type, typ)
			}
			return ev
		case <-time.After(2 * time.Second):
			t.Fatalf("no %s event", typ)
		}
		return Event{}
	}
	want(EventOnline)
	if ss := tr.Sessions(); len(ss) != 1 || ss[0] != s {
		t.Errorf("sessions %+v, want the one online", ss)
	}
	hc := want(EventHeadcount)
	if string(hc.Data) != `{"headcount":21,"visible":true}` {
		t.Errorf("headcount event %s, want the latest (21)", hc.Data)
	}
	tr.Presence(PresenceEvent{Kind: PresenceOffline, Session: s, ConnID: "c1", At: at.Add(time.Minute), Reason: ReasonHeartbeatTimeout})
	off := want(EventOffline)
	if ss := tr.Sessions(); len(ss) != 0 {
		t.Errorf("sessions after offline: %+v", ss)
	}
	if string(off.Data) != `{"outage":true,"reason":"heartbeat_timeout"}` {
		t.Errorf("offline event %s", off.Data)
	}
	cancel()
	<-done
	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.closed) != 1 || store.closed[0].Headcount != 21 || *store.closed[0].ChairMemberID != 4 {
		t.Errorf("closed intervals %+v, want one with the last headcount and the chair", store.closed)
	}
	if store.saves > 3 {
		t.Errorf("%d heartbeat writes for 10 heartbeats; want them batched", store.saves)
	}
}
