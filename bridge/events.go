package bridge

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// Event is a change a live board shows: a check-in, a console going online or
// offline, a headcount, a roll call. Data carries the details as JSON.
type Event struct {
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	ConferenceID int64           `json:"conferenceId"`
	PointID      int64           `json:"pointId,omitempty"`
	At           time.Time       `json:"at"`
	Data         json.RawMessage `json:"data,omitempty"`
	// Origin is the instance that raised the event, so it is not delivered twice
	// when it comes back through the relay.
	Origin string `json:"origin,omitempty"`
}

// The event types.
const (
	EventOnline    = "online"
	EventOffline   = "offline"
	EventHeadcount = "headcount"
	EventCheckIn   = "checkin"
	EventRollCall  = "rollcall"
	EventResync    = "resync" // the subscriber fell behind: fetch the board again
)

// Relay carries events between instances (PostgreSQL LISTEN/NOTIFY in production).
type Relay interface {
	// Send publishes an encoded event to every instance, this one included. It may
	// return before the event has left.
	Send(ctx context.Context, payload []byte) error
	// Listen delivers every encoded event until ctx ends.
	Listen(ctx context.Context, deliver func(payload []byte)) error
}

// Bus fans events out to the subscribers of each conference on this instance, and
// through a Relay to the other instances.
type Bus struct {
	origin string
	relay  Relay
	mu     sync.Mutex
	subs   map[int64]map[*Subscription]struct{}
	seq    uint64
	taps   []func(Event)
}

// Tap calls fn with every event delivered on this instance, raised here or on another
// instance: how check-ins reach the console of a point connected to this instance.
// fn must not block.
func (b *Bus) Tap(fn func(Event)) {
	b.mu.Lock()
	b.taps = append(b.taps, fn)
	b.mu.Unlock()
}

// Subscription receives one conference's events. When it cannot keep up, events are
// dropped and a resync event tells it to reload.
type Subscription struct {
	C            <-chan Event
	c            chan Event
	conferenceID int64
	behind       bool
}

// NewBus returns a bus for this instance; relay may be nil for a single instance.
func NewBus(origin string, relay Relay) *Bus {
	return &Bus{origin: origin, relay: relay, subs: map[int64]map[*Subscription]struct{}{}}
}

// Run delivers events from other instances until ctx ends; without a relay it returns
// at once.
func (b *Bus) Run(ctx context.Context) error {
	if b.relay == nil {
		return nil
	}
	return b.relay.Listen(ctx, func(payload []byte) {
		var ev Event
		if json.Unmarshal(payload, &ev) != nil || ev.Origin == b.origin {
			return
		}
		b.deliver(ev)
	})
}

// Subscribe starts receiving a conference's events.
func (b *Bus) Subscribe(conferenceID int64) *Subscription {
	c := make(chan Event, 256)
	s := &Subscription{C: c, c: c, conferenceID: conferenceID}
	b.mu.Lock()
	if b.subs[conferenceID] == nil {
		b.subs[conferenceID] = map[*Subscription]struct{}{}
	}
	b.subs[conferenceID][s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Unsubscribe stops a subscription and closes its channel.
func (b *Bus) Unsubscribe(s *Subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if set := b.subs[s.conferenceID]; set != nil {
		if _, ok := set[s]; ok {
			delete(set, s)
			close(s.c)
		}
		if len(set) == 0 {
			delete(b.subs, s.conferenceID)
		}
	}
}

// Publish sends an event to this instance's subscribers at once and to the other
// instances through the relay. A relay failure is returned; local delivery has
// happened anyway.
func (b *Bus) Publish(ctx context.Context, ev Event) error {
	b.mu.Lock()
	b.seq++
	if ev.ID == "" {
		ev.ID = b.origin + "-" + itoa(b.seq)
	}
	b.mu.Unlock()
	ev.Origin = b.origin
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	b.deliver(ev)
	if b.relay == nil {
		return nil
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return b.relay.Send(ctx, payload)
}

func (b *Bus) deliver(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, fn := range b.taps {
		fn(ev)
	}
	for s := range b.subs[ev.ConferenceID] {
		if s.behind {
			continue
		}
		select {
		case s.c <- ev:
		default:
			// Full: the reader is too slow. Tell it to resync instead of blocking the
			// publisher (a console's heartbeat, a member's check-in).
			s.behind = true
			select {
			case <-s.c:
			default:
			}
			s.c <- Event{Type: EventResync, ConferenceID: ev.ConferenceID, At: ev.At}
		}
	}
}

// Caught marks a subscription as having reloaded after a resync.
func (b *Bus) Caught(s *Subscription) {
	b.mu.Lock()
	s.behind = false
	b.mu.Unlock()
}

// Subscribers counts this instance's subscriptions.
func (b *Bus) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, set := range b.subs {
		n += len(set)
	}
	return n
}

func itoa(n uint64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

// mustJSON encodes v, which is always a map of plain values here.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
