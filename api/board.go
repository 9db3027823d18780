package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
)

// boardPointJSON is one point on the live board.
type boardPointJSON struct {
	ID          int64                  `json:"id"`
	Name        string                 `json:"name"`
	Location    string                 `json:"location"`
	Online      bool                   `json:"online"`
	Since       *time.Time             `json:"since"`
	Outages     int                    `json:"outages"`
	ChairID     int64                  `json:"chairId,omitempty"`
	ChairName   string                 `json:"chairName,omitempty"`
	ChairStatus attendance.ChairStatus `json:"chairStatus"`
	Headcount   int                    `json:"headcount"`
	Expected    int                    `json:"expected"`
	CheckedIn   int                    `json:"checkedIn"`
	Late        int                    `json:"late"`
	Pending     int                    `json:"pendingRequests"`
	RollCall    *rollCallJSON          `json:"rollCall"`
	Problems    int                    `json:"problems"`
}

// boardSummary adds up the board across points.
type boardSummary struct {
	Points     int `json:"points"`
	Online     int `json:"online"`
	Offline    int `json:"offline"`
	Never      int `json:"neverConnected"`
	Expected   int `json:"expected"`
	CheckedIn  int `json:"checkedIn"`
	Late       int `json:"late"`
	Pending    int `json:"pendingRequests"`
	ChairFlags int `json:"chairFlags"`
	WithIssues int `json:"withProblems"`
}

// boardJSON is the live board of a conference: a summary and one page of points,
// problems first.
type boardJSON struct {
	Conference conferenceJSON   `json:"conference"`
	Summary    boardSummary     `json:"summary"`
	Items      []boardPointJSON `json:"items"`
	Total      int              `json:"total"`
	Page       int              `json:"page"`
	PageSize   int              `json:"pageSize"`
	At         time.Time        `json:"at"`
}

// board builds the board of conf with the filters of the query.
func (s *Server) board(ctx context.Context, conf attendance.Conference, q *query) (boardJSON, error) {
	onlyProblems := q.bool("problems")
	text := attendance.Fold(strings.TrimSpace(q.str("q", 100)))
	page := q.page().Clamp()
	if err := q.err(); err != nil {
		return boardJSON{}, err
	}
	points, err := s.store.Board(ctx, conf)
	if err != nil {
		return boardJSON{}, err
	}
	now := s.now()
	out := boardJSON{Conference: toConference(conf), At: now.UTC(), Page: page.Number, PageSize: page.Size}
	all := make([]boardPointJSON, 0, len(points))
	for _, b := range points {
		j := boardPointJSON{ID: b.Point.ID, Name: b.Point.Name, Location: b.Point.Location, Online: b.Online, Since: b.Since,
			Outages: b.Outages, ChairStatus: b.ChairStatus, Headcount: b.Headcount, Expected: b.Expected,
			CheckedIn: b.CheckedIn, Late: b.Late, Pending: b.Pending, Problems: b.Problems(&conf, now)}
		if b.Chair != nil {
			j.ChairID, j.ChairName = b.Chair.ID, b.Chair.FullName
		}
		if b.RollCall != nil {
			rc := s.toRollCall(*b.RollCall)
			j.RollCall = &rc
		}
		sum := &out.Summary
		sum.Points++
		switch {
		case b.Online:
			sum.Online++
		case b.Since == nil:
			sum.Never++
		default:
			sum.Offline++
		}
		sum.Expected += b.Expected
		sum.CheckedIn += b.CheckedIn
		sum.Late += b.Late
		sum.Pending += b.Pending
		if b.ChairStatus.Flagged() {
			sum.ChairFlags++
		}
		if j.Problems > 0 {
			sum.WithIssues++
		}
		if onlyProblems != nil && *onlyProblems && j.Problems == 0 {
			continue
		}
		if text != "" && !strings.Contains(attendance.Fold(b.Point.Name+" "+b.Point.Location), text) {
			continue
		}
		all = append(all, j)
	}
	// Problems first, the most troubled on top; then by name.
	sort.SliceStable(all, func(i, j int) bool { return all[i].Problems > all[j].Problems })
	out.Total = len(all)
	from := min(page.Offset(), len(all))
	to := min(from+page.Size, len(all))
	out.Items = all[from:to]
	return out, nil
}

// handleBoard handles GET /api/v1/conferences/{id}/board?problems=&q=&page=&pageSize=.
func (s *Server) handleBoard() gin.HandlerFunc {
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if !ok {
			return
		}
		b, err := s.board(c.Request.Context(), conf, newQuery(c))
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, b)
	}
}

// sseKeepAlive is how often an idle event stream gets a comment, so proxies keep it.
const sseKeepAlive = 15 * time.Second

// handleEvents handles GET /api/v1/conferences/{id}/events: the conference's live
// changes as server-sent events (online, offline, headcount, checkin, rollcall;
// resync when the reader fell behind and should reload the board).
func (s *Server) handleEvents() gin.HandlerFunc {
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if !ok {
			return
		}
		s.stream(c, conf.ID, func(bridge.Event) bool { return true })
	}
}

// handlePointStream handles GET /api/v1/points/{id}/stream: the point's own live
// events (and the conference's roll calls of every point), for the chair's roster.
func (s *Server) handlePointStream() gin.HandlerFunc {
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		s.stream(c, pt.ConferenceID, func(ev bridge.Event) bool {
			return ev.PointID == pt.ID || ev.PointID == 0
		})
	}
}

// stream writes a conference's events that pass keep as server-sent events until the
// reader goes away; a resync always passes, so a reader that fell behind reloads.
func (s *Server) stream(c *gin.Context, conferenceID int64, keep func(bridge.Event) bool) {
	sub := s.bus.Subscribe(conferenceID)
	defer s.bus.Unsubscribe(sub)
	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 2000\n: %s\n\n", "diemcau")
	w.Flush()
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	ctx := c.Request.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			w.Flush()
		case ev, ok := <-sub.C:
			if !ok {
				return
			}
			if ev.Type == bridge.EventResync {
				s.bus.Caught(sub)
			} else if !keep(ev) {
				continue
			}
			b, err := json.Marshal(ev)
			if err != nil {
				continue
			}
			if _, err := fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, b); err != nil {
				return
			}
			w.Flush()
		}
	}
}
