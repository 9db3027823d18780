package bridge

import (
	"context"
	"testing"
	"time"
)

func TestBus(t *testing.T) {
	ctx := context.Background()
	b := NewBus("a", nil)
	s1, s2, other := b.Subscribe(1), b.Subscribe(1), b.Subscribe(2)
	if err := b.Publish(ctx, Event{Type: EventOnline, ConferenceID: 1, PointID: 7}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Subscription{s1, s2} {
		select {
		case ev := <-s.C:
			if ev.Type != EventOnline || ev.PointID != 7 || ev.ID == "" {
				t.Errorf("got %+v", ev)
			}
		case <-time.After(time.Second):
			t.Fatal("no event")
		}
	}
	select {
	case ev := <-other.C:
		t.Errorf("conference 2 got %+v", ev)
	default:
	}
	t.Run("slow subscriber resyncs", func(t *testing.T) {
		for range 300 {
			b.Publish(ctx, Event{Type: EventHeadcount, ConferenceID: 1})
		}
		var last Event
		for len(s1.C) > 0 {
			last = <-s1.C
		}
		if last.Type != EventResync {
			t.Errorf("last event %q, want resync", last.Type)
		}
		b.Caught(s1)
		b.Publish(ctx, Event{Type: EventCheckIn, ConferenceID: 1})
		if ev := <-s1.C; ev.Type != EventCheckIn {
			t.Errorf("after catching up got %q", ev.Type)
		}
	})
	b.Unsubscribe(s1)
	b.Unsubscribe(s2)
	b.Unsubscribe(other)
	if n := b.Subscribers(); n != 0 {
		t.Errorf("%d subscribers left", n)
	}
}
