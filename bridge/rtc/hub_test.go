package rtc

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/bridge"
	"github.com/pion/webrtc/v4"
)

var (
	pointA = bridge.Session{ConferenceID: 1, PointID: 11, ChairMemberID: 101}
	pointB = bridge.Session{ConferenceID: 1, PointID: 12, ChairMemberID: 102}
	pointC = bridge.Session{ConferenceID: 2, PointID: 21, ChairMemberID: 201}
)

func TestHub_Online(t *testing.T) {
	watchdog(t, 30*time.Second)
	h, rec := newTestHub(t, testConfig())
	c := newClient(t, pointA, clientOptions{})
	c.connect(h)
	ev := rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
	if ev.Session != pointA {
		t.Errorf("online session: got %+v, want %+v", ev.Session, pointA)
	}
	if !h.Online(pointA.PointID) {
		t.Error("Online() = false after the channel opened, want true")
	}
	c.heartbeats(time.Second)
	hb := rec.wait(t, c.id, bridge.PresenceHeartbeat, 3*time.Second)
	if hb.Heartbeat == nil || hb.Heartbeat.Headcount != 1 || !hb.Heartbeat.Visible || hb.Heartbeat.At.IsZero() {
		t.Errorf("heartbeat: got %+v, want headcount 1, visible, with a time", hb.Heartbeat)
	}
	rec.quiet(t, c.id, 3500*time.Millisecond) // well past the 2 s timeout
	if st := h.Stats(); st.Connections != 1 || st.Online != 1 || st.Channels != 1 {
		t.Errorf("Stats: got %+v, want one connection online with its channel", st)
	}
}

func TestHub_ICETCP(t *testing.T) {
	watchdog(t, 30*time.Second)
	h, rec := newTestHub(t, testConfig())
	if h.TCPAddr() == nil {
		t.Fatal("TCPAddr() = nil with TCPPort 0, want an OS-picked port")
	}
	c := newClient(t, pointA, clientOptions{tcp: true})
	c.connect(h)
	rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
	pair, err := c.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Remote.Protocol != webrtc.ICEProtocolTCP {
		t.Errorf("selected pair: got %v (%v), want TCP", pair, err)
	}

	t.Run("off", func(t *testing.T) {
		cfg := testConfig()
		cfg.TCPPort = -1
		h, _ := newTestHub(t, cfg)
		if h.TCPAddr() != nil {
			t.Errorf("TCPAddr() = %v with TCPPort -1, want nil", h.TCPAddr())
		}
		answer, err := h.Answer(context.Background(), pointA, "tcp-off", newClient(t, pointA, clientOptions{}).offer(false))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(answer, " tcp ") || !strings.Contains(answer, " udp ") {
			t.Errorf("answer candidates with ICE-TCP off: want UDP only")
		}
	})
}

func TestHub_NAT1To1(t *testing.T) {
	watchdog(t, 20*time.Second)
	cfg := testConfig()
	cfg.NAT1To1IPs = []string{"203.0.113.7"} // TEST-NET-3: only written in the answer
	h, _ := newTestHub(t, cfg)
	answer, err := h.Answer(context.Background(), pointA, "nat", newClient(t, pointA, clientOptions{}).offer(false))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(answer, " 203.0.113.7 ") || strings.Contains(answer, " 127.0.0.1 ") {
		t.Errorf("answer candidates: want the public address instead of the host's\n%s", answer)
	}
}

func TestHub_HeartbeatTimeout(t *testing.T) {
	watchdog(t, 30*time.Second)
	h, rec := newTestHub(t, testConfig())
	c := newClient(t, pointA, clientOptions{})
	c.connect(h)
	rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
	c.send(heartbeatJSON(7))
	last := time.Now()
	// The client keeps ICE alive (keepalives) but sends no more heartbeats.
	ev := rec.wait(t, c.id, bridge.PresenceOffline, 4*time.Second)
	if ev.Reason != bridge.ReasonHeartbeatTimeout {
		t.Errorf("reason: got %q, want %q", ev.Reason, bridge.ReasonHeartbeatTimeout)
	}
	if took := time.Since(last); took > 3*time.Second {
		t.Errorf("offline %v after the last heartbeat, want within PresenceTimeout + 1 s", took)
	}
	if h.Online(pointA.PointID) {
		t.Error("Online() = true after the timeout")
	}
	if !ev.Outage() {
		t.Error("a heartbeat timeout is not an outage, want one")
	}

	t.Run("heartbeats resume", func(t *testing.T) {
		c.send(heartbeatJSON(8))
		rec.wait(t, c.id, bridge.PresenceOnline, 3*time.Second)
		if !h.Online(pointA.PointID) {
			t.Error("Online() = false after heartbeats resumed")
		}
	})
}

func TestHub_Blip(t *testing.T) {
	watchdog(t, 40*time.Second)
	t.Run("heartbeats pause 1s", func(t *testing.T) {
		h, rec := newTestHub(t, testConfig())
		c := newClient(t, pointA, clientOptions{})
		c.connect(h)
		rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
		c.heartbeats(500 * time.Millisecond)
		time.Sleep(600 * time.Millisecond)
		c.pause(time.Second)
		rec.quiet(t, c.id, 2500*time.Millisecond)
		if !h.Online(pointA.PointID) {
			t.Error("Online() = false after a blip")
		}
	})
	t.Run("network drops 1.5s", func(t *testing.T) {
		// ICE goes disconnected after 0.5 s of silence and comes back: no outage. The
		// presence timeout leaves room for SCTP to retransmit the heartbeats lost.
		cfg := testConfig()
		cfg.PresenceTimeout = 4 * time.Second
		cfg.ICEDisconnectedTimeout = 500 * time.Millisecond
		cfg.ICEFailedTimeout = 10 * time.Second
		cfg.ICEKeepalive = 200 * time.Millisecond
		h, rec := newTestHub(t, cfg)
		c := newClient(t, pointA, clientOptions{})
		c.connect(h)
		rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
		c.heartbeats(500 * time.Millisecond)
		time.Sleep(time.Second)
		c.net.blocked.Store(true)
		time.Sleep(1500 * time.Millisecond)
		c.net.blocked.Store(false)
		rec.quiet(t, c.id, 5*time.Second)
		if !h.Online(pointA.PointID) {
			t.Error("Online() = false after a network blip")
		}
	})
}

func TestHub_ClientCloses(t *testing.T) {
	watchdog(t, 30*time.Second)
	h, rec := newTestHub(t, testConfig())
	base := stableGoroutines()

	c := newClient(t, pointA, clientOptions{})
	c.connect(h)
	rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
	c.send(heartbeatJSON(3))
	closed := time.Now()
	c.close()
	ev := rec.wait(t, c.id, bridge.PresenceOffline, 3*time.Second)
	if ev.Reason != bridge.ReasonClosed {
		t.Errorf("reason: got %q, want %q", ev.Reason, bridge.ReasonClosed)
	}
	if took := time.Since(closed); took > time.Second {
		t.Errorf("offline %v after the client closed, want promptly (well under the timeout)", took)
	}
	settleGoroutines(t, base, 5*time.Second)
	if st := h.Stats(); st.Connections != 0 {
		t.Errorf("Stats: got %+v, want no connections", st)
	}

	t.Run("bye", func(t *testing.T) {
		base := stableGoroutines() // this subtest runs on a goroutine of its own
		c := newClient(t, pointB, clientOptions{})
		c.connect(h)
		rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
		c.send(`{"type":"bye"}`)
		ev := rec.wait(t, c.id, bridge.PresenceOffline, time.Second)
		if ev.Reason != bridge.ReasonClosed {
			t.Errorf("reason: got %q, want %q", ev.Reason, bridge.ReasonClosed)
		}
		c.close()
		settleGoroutines(t, base, 5*time.Second)
	})
}

func TestHub_ICERestart(t *testing.T) {
	watchdog(t, 40*time.Second)
	t.Run("while connected", func(t *testing.T) {
		h, rec := newTestHub(t, testConfig())
		c := newClient(t, pointA, clientOptions{})
		c.connect(h)
		rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
		c.heartbeats(500 * time.Millisecond)
		c.negotiate(h, true)
		rec.quiet(t, c.id, 3*time.Second)
		if !h.Online(pointA.PointID) {
			t.Error("Online() = false after an ICE restart")
		}
		if st := h.Stats(); st.Connections != 1 {
			t.Errorf("Stats: got %+v, want the same one connection", st)
		}
	})
	t.Run("after ICE failed", func(t *testing.T) {
		cfg := testConfig()
		cfg.PresenceTimeout = 20 * time.Second // ICE, not heartbeats, must see this one
		cfg.ICEDisconnectedTimeout = 500 * time.Millisecond
		cfg.ICEFailedTimeout = time.Second
		cfg.ICEKeepalive = 200 * time.Millisecond
		h, rec := newTestHub(t, cfg)
		c := newClient(t, pointA, clientOptions{})
		c.connect(h)
		rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
		c.heartbeats(500 * time.Millisecond)
		time.Sleep(500 * time.Millisecond)
		c.net.blocked.Store(true)
		ev := rec.wait(t, c.id, bridge.PresenceOffline, 5*time.Second)
		if ev.Reason != bridge.ReasonICEFailed {
			t.Errorf("reason: got %q, want %q", ev.Reason, bridge.ReasonICEFailed)
		}
		c.net.blocked.Store(false)
		c.negotiate(h, true) // the same connection id
		rec.wait(t, c.id, bridge.PresenceOnline, 10*time.Second)
		if !h.Online(pointA.PointID) {
			t.Error("Online() = false after the restart")
		}
	})
}

func TestHub_Replaced(t *testing.T) {
	watchdog(t, 30*time.Second)
	h, rec := newTestHub(t, testConfig())
	first := newClient(t, pointA, clientOptions{})
	first.connect(h)
	rec.wait(t, first.id, bridge.PresenceOnline, 5*time.Second)

	second := newClient(t, pointA, clientOptions{})
	second.connect(h)
	ev := rec.wait(t, first.id, bridge.PresenceOffline, 3*time.Second)
	if ev.Reason != bridge.ReasonReplaced || ev.Outage() {
		t.Errorf("first: got offline %q (outage %v), want %q, no outage", ev.Reason, ev.Outage(), bridge.ReasonReplaced)
	}
	if m := first.message(2 * time.Second); m["type"] != "ended" || m["reason"] != bridge.ReasonReplaced {
		t.Errorf("first console was told %v, want ended/replaced", m)
	}
	rec.wait(t, second.id, bridge.PresenceOnline, 5*time.Second)
	if !h.Online(pointA.PointID) {
		t.Error("Online() = false with the second console connected")
	}
	if err := h.Send(pointA.PointID, map[string]any{"type": "ping"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if m := second.message(2 * time.Second); m["type"] != "ping" {
		t.Errorf("second console got %v, want the ping", m)
	}
	if st := h.Stats(); st.Connections != 1 {
		t.Errorf("Stats: got %+v, want one connection", st)
	}

	t.Run("ErrConnGone", func(t *testing.T) {
		// The first console's connection was closed by the hub; any offer under its id
		// (as its ICE restart would be) is refused.
		offer := newClient(t, pointA, clientOptions{}).offer(false)
		_, err := h.Answer(context.Background(), pointA, first.id, offer)
		if !errors.Is(err, ErrConnGone) {
			t.Errorf("restart of the replaced connection: got %v, want ErrConnGone", err)
		}
	})
}

func TestHub_Send(t *testing.T) {
	watchdog(t, 30*time.Second)
	h, rec := newTestHub(t, testConfig())
	a := newClient(t, pointA, clientOptions{})
	b := newClient(t, pointB, clientOptions{})
	other := newClient(t, pointC, clientOptions{})
	for _, c := range []*client{a, b, other} {
		c.connect(h)
		rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
	}

	type checkIn struct {
		Type   string `json:"type"`
		Member string `json:"member"`
	}
	if err := h.Send(pointA.PointID, checkIn{Type: "checkin", Member: "Nguyễn Văn An"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if m := a.message(2 * time.Second); m["type"] != "checkin" || m["member"] != "Nguyễn Văn An" {
		t.Errorf("console got %v, want the check-in", m)
	}

	n, err := h.Broadcast(1, map[string]any{"type": "rollcall", "id": 5})
	if err != nil || n != 2 {
		t.Errorf("Broadcast: got %d, %v; want 2 consoles", n, err)
	}
	for _, c := range []*client{a, b} {
		if m := c.message(2 * time.Second); m["type"] != "rollcall" {
			t.Errorf("%s got %v, want the roll call", c.id, m)
		}
	}
	select {
	case m := <-other.msgs:
		t.Errorf("console of another conference got %s", m)
	case <-time.After(200 * time.Millisecond):
	}

	tests := []struct {
		name  string
		point int64
		msg   any
		want  error
	}{
		{"ErrNotConnected", 999, map[string]string{"type": "x"}, ErrNotConnected},
		{"ErrMessageTooLarge", pointA.PointID, map[string]string{"type": "x", "pad": strings.Repeat("a", MaxSendSize)}, ErrMessageTooLarge},
		{"not JSON", pointA.PointID, func() {}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Send(tt.point, tt.msg)
			if tt.want == nil && err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Send: got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHub_BadInput(t *testing.T) {
	watchdog(t, 30*time.Second)
	h, rec := newTestHub(t, testConfig())
	ctx := context.Background()
	c := newClient(t, pointA, clientOptions{})
	offer := newClient(t, pointA, clientOptions{}).offer(false)

	tests := []struct {
		name  string
		s     bridge.Session
		id    string
		offer string
		want  error
	}{
		{"no point", bridge.Session{ConferenceID: 1}, "x", offer, ErrBadSession},
		{"empty id", pointA, "", offer, ErrBadConnID},
		{"id with slash", pointA, "a/b", offer, ErrBadConnID},
		{"id too long", pointA, strings.Repeat("a", MaxConnIDLen+1), offer, ErrBadConnID},
		{"empty offer", pointA, "x", "", ErrBadOffer},
		{"not SDP", pointA, "x", "hello", ErrBadOffer},
		{"huge offer", pointA, "x", offer + strings.Repeat("a=x\r\n", MaxOfferSize/5), ErrBadOffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.Answer(ctx, tt.s, tt.id, tt.offer); !errors.Is(err, tt.want) {
				t.Errorf("Answer: got %v, want %v", err, tt.want)
			}
		})
	}
	if st := h.Stats(); st.Connections != 0 {
		t.Fatalf("Stats after refusals: got %+v, want no connections", st)
	}

	c.connect(h)
	rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
	t.Run("ErrSessionMismatch", func(t *testing.T) {
		if _, err := h.Answer(ctx, pointB, c.id, offer); !errors.Is(err, ErrSessionMismatch) {
			t.Errorf("Answer with another point's connection id: got %v, want ErrSessionMismatch", err)
		}
	})
	t.Run("messages", func(t *testing.T) {
		for _, m := range []string{
			"not json", `{"type":"heartbeat","headcount":-1}`, `{"type":"heartbeat","headcount":"many"}`,
			`{"type":"launch"}`, `[1,2,3]`,
			// Larger than the first read buffer: read whole, then dropped as unknown.
			`{"type":"launch","pad":"` + strings.Repeat("x", 15<<10) + `"}`,
		} {
			c.send(m)
		}
		c.send(heartbeatJSON(42))
		for {
			ev := rec.wait(t, c.id, bridge.PresenceHeartbeat, 3*time.Second)
			if ev.Heartbeat.Headcount == 42 {
				break
			}
		}
		if st := h.Stats(); st.Dropped != 6 || st.Online != 1 {
			t.Errorf("Stats: got %+v, want 6 dropped and the console still online", st)
		}
	})
}

func TestHub_Linger(t *testing.T) {
	watchdog(t, 30*time.Second)
	cfg := testConfig()
	cfg.Linger = time.Second
	h, rec := newTestHub(t, cfg)
	// An offer answered but never completed: the console vanished mid-handshake.
	c := newClient(t, pointA, clientOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := h.Answer(ctx, pointA, c.id, c.offer(false)); err != nil {
		t.Fatalf("Answer: %v", err)
	}
	if st := h.Stats(); st.Connections != 1 {
		t.Fatalf("Stats: got %+v, want one connection", st)
	}
	deadline := time.Now().Add(3 * time.Second)
	for h.Stats().Connections != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("connection still held %v after Linger", 3*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if evs := rec.all(c.id); len(evs) != 0 {
		t.Errorf("events for a connection never online: %v", evs)
	}
}

func TestHub_Close(t *testing.T) {
	watchdog(t, 30*time.Second)
	base := stableGoroutines()
	rec := newRecorder()
	h, err := NewHub(testConfig(), rec, testLog())
	if err != nil {
		t.Fatal(err)
	}
	clients := []*client{newClient(t, pointA, clientOptions{}), newClient(t, pointB, clientOptions{}),
		newClient(t, pointC, clientOptions{})}
	for _, c := range clients {
		c.connect(h)
		rec.wait(t, c.id, bridge.PresenceOnline, 5*time.Second)
		c.heartbeats(500 * time.Millisecond)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, c := range clients {
		evs := rec.all(c.id)
		if last := evs[len(evs)-1]; last.Kind != bridge.PresenceOffline || last.Reason != bridge.ReasonShutdown || last.Outage() {
			t.Errorf("%s: last event %+v, want offline shutdown (no outage)", c.id, last)
		}
	}
	if h.Online(pointA.PointID) {
		t.Error("Online() = true after Close")
	}
	late := newClient(t, pointA, clientOptions{})
	if _, err := h.Answer(context.Background(), pointA, late.id, late.offer(false)); !errors.Is(err, ErrClosed) {
		t.Errorf("Answer after Close: got %v, want ErrClosed", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, c := range append(clients, late) {
		c.close()
	}
	settleGoroutines(t, base, 5*time.Second)
}
