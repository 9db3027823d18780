package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/bridge"
	"github.com/diemcau/diemcau/bridge/pgbus"
	"github.com/diemcau/diemcau/internal/testdb"
)

// sseEvents opens a conference's event stream and delivers the events it reads.
func sseEvents(t *testing.T, ctx context.Context, base, token string, conferenceID int64) <-chan bridge.Event {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/conferences/%d/events", base, conferenceID), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events: %d", resp.StatusCode)
	}
	out := make(chan bridge.Event, 64)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev bridge.Event
				if json.Unmarshal([]byte(data), &ev) == nil {
					out <- ev
				}
			}
		}
	}()
	return out
}

func waitEvent(t *testing.T, events <-chan bridge.Event, typ string, within time.Duration) bridge.Event {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("stream ended before a %s event", typ)
			}
			if ev.Type == typ {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event within %s", typ, within)
		}
	}
}

// TestBoard_CheckInReachesTheBoard: a member's check-in is on the board's event stream
// within a second, and the board counts it.
func TestBoard_CheckInReachesTheBoard(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events := sseEvents(t, ctx, e.srv.URL, e.organizer, e.conf.ID)
			time.Sleep(50 * time.Millisecond) // the subscription is made when the stream opens
			sign := ciSigner(ciSecret)
			tok := sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, e.clock.Now()))
			r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": tok, "memberCode": "A2",
				"pin": ciPIN, "key": "board-key-0001"})
			if r.Status != http.StatusCreated {
				t.Fatalf("check-in: %d %s", r.Status, r.Body)
			}
			ev := waitEvent(t, events, bridge.EventCheckIn, time.Second)
			if ev.PointID != e.pA.ID || !strings.Contains(string(ev.Data), "Trần Văn Đức") {
				t.Errorf("got %+v", ev)
			}
			a3 := e.m["A3"]
			if _, err := e.db.FileAbsence(context.Background(), attendance.Principal{Role: attendance.RoleMember, MemberID: a3.ID},
				attendance.AbsenceInput{ConferenceID: e.conf.ID, MemberID: a3.ID, Category: attendance.CategoryCongTac,
					Reason: "Đi công tác tại Hà Nội"}); err != nil {
				t.Fatal(err)
			}
			board := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/conferences/%d/board", e.conf.ID), e.organizer, nil).json(t)
			sum := board["summary"].(map[string]any)
			if sum["pendingRequests"] != 1.0 {
				t.Errorf("pending requests: %v, want 1", sum["pendingRequests"])
			}
			if sum["points"] != 2.0 || sum["checkedIn"] != 1.0 || sum["expected"] != 5.0 || sum["neverConnected"] != 2.0 {
				t.Errorf("summary: %v", sum)
			}
			items := board["items"].([]any)
			first := items[0].(map[string]any)
			if first["problems"].(float64) < 1 {
				t.Errorf("the first point has no problems: %v", first)
			}
			only := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/conferences/%d/board?q=t%%C6%%B0+ph%%C3%%A1p", e.conf.ID), e.organizer, nil).json(t)
			if only["total"] != 1.0 {
				t.Errorf("search «tư pháp»: %v", only["total"])
			}
			typed := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/conferences/%d/board?q=TU+PHAP", e.conf.ID), e.organizer, nil).json(t)
			if typed["total"] != 1.0 {
				t.Errorf("search «TU PHAP», as typed without diacritics: %v", typed["total"])
			}
		})
	}
}

// TestBoard_TwoInstances runs two servers on one PostgreSQL database, each with its own
// bus relayed by LISTEN/NOTIFY: a check-in on one reaches a board on the other.
func TestBoard_TwoInstances(t *testing.T) {
	base := os.Getenv(testdb.EnvURL)
	if base == "" {
		t.Skip("set " + testdb.EnvURL + " to run two instances on one PostgreSQL")
	}
	var tg testdb.Target
	for _, x := range testdb.Targets(t) {
		if x.Name == "postgres" {
			tg = x
		}
	}
	e := ciSetup(t, tg) // instance one, with its own local bus
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Instance two: its own store connection pool and a relayed bus; instance one gets a
	// relayed bus too, by a third server on the same store serving the check-in.
	newInstance := func(origin string) *httptest.Server {
		db := testdb.MustOpen(t, sqlstore.Config{URL: tg.Config.URL, Now: e.clock.Now})
		relay, err := pgbus.New(ctx, tg.Config.URL, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(relay.Close)
		bus := bridge.NewBus(origin, relay)
		go bus.Run(ctx)
		var srv *api.Server
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.ServeHTTP(w, r) }))
		t.Cleanup(hs.Close)
		srv, err = api.NewServer(slog.New(slog.DiscardHandler), db, api.Config{Secret: ciSecret, PublicURL: hs.URL,
			Now: e.clock.Now, Bus: bus})
		if err != nil {
			t.Fatal(err)
		}
		return hs
	}
	one, two := newInstance("one"), newInstance("two")
	events := sseEvents(t, ctx, two.URL, e.organizer, e.conf.ID)
	sign := ciSigner(ciSecret)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		// LISTEN starts in the background: check members in on instance one until the
		// board on instance two has seen one.
		code := []string{"A2", "A3", "B2"}[i%3]
		tok := sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, e.pA.ID, e.clock.Now()))
		req, _ := http.NewRequest(http.MethodPost, one.URL+"/api/v1/checkins", strings.NewReader(fmt.Sprintf(
			`{"token":%q,"memberCode":%q,"pin":%q,"key":"two-inst-%02d-xyz"}`, tok, code, ciPIN, i)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		select {
		case ev := <-events:
			if ev.Type != bridge.EventCheckIn || ev.Origin != "one" {
				t.Fatalf("instance two got %+v", ev)
			}
			return
		case <-time.After(time.Second):
		}
		if time.Now().After(deadline) {
			t.Fatal("a check-in on instance one never reached the board on instance two")
		}
	}
}
