package api

import (
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
)

// rollCallJSON is a roll call with its answers counted.
type rollCallJSON struct {
	ID           int64     `json:"id"`
	ConferenceID int64     `json:"conferenceId"`
	PointID      *int64    `json:"pointId"`
	StartedAt    time.Time `json:"startedAt"`
	EndsAt       time.Time `json:"endsAt"`
	Open         bool      `json:"open"`
	Answered     int64     `json:"answered"`
	CheckedIn    int64     `json:"checkedIn"`
}

func (s *Server) toRollCall(r attendance.RollCallSummary) rollCallJSON {
	return rollCallJSON{ID: r.ID, ConferenceID: r.ConferenceID, PointID: r.PointID, StartedAt: r.StartedAt, EndsAt: r.EndsAt,
		Open: r.Open(s.now()), Answered: r.Answered, CheckedIn: r.CheckedIn}
}

// handleRollCallStart handles POST /api/v1/conferences/{id}/rollcalls {"pointId","windowMinutes"}:
// organizers call the roll of one point or (no pointId) all; a chair only of their own.
func (s *Server) handleRollCallStart() gin.HandlerFunc {
	type request struct {
		PointID       int64 `json:"pointId"`
		WindowMinutes int   `json:"windowMinutes"`
	}
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if !ok {
			return
		}
		req, ok := decode[request](s, c)
		if !ok {
			return
		}
		p, _ := principal(c)
		rc, err := s.desk.StartRollCall(c.Request.Context(), p, conf.ID, req.PointID, time.Duration(req.WindowMinutes)*time.Minute)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, s.toRollCall(attendance.RollCallSummary{RollCall: rc}))
	}
}

// handleRollCallList handles GET /api/v1/conferences/{id}/rollcalls?pointId=.
func (s *Server) handleRollCallList() gin.HandlerFunc {
	return func(c *gin.Context) {
		conf, ok := s.conference(c)
		if !ok {
			return
		}
		q := newQuery(c)
		pointID := q.int64("pointId")
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		p, _ := principal(c)
		if p.Role == attendance.RoleChair {
			// A chair names one of their points: the list of every point would show the
			// others' roll calls and counts.
			if pointID == 0 {
				s.respondError(c, attendance.Invalid("pointId", attendance.CodeRequired, ""))
				return
			}
			if _, err := s.store.Point(c.Request.Context(), p.Scope(), pointID); err != nil {
				s.respondError(c, err)
				return
			}
		}
		rcs, err := s.store.RollCalls(c.Request.Context(), conf.ID, pointID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		out := make([]rollCallJSON, len(rcs))
		for i, r := range rcs {
			out[i] = s.toRollCall(r)
		}
		c.JSON(http.StatusOK, gin.H{"items": out})
	}
}

// handleRollCallAnswers handles GET /api/v1/rollcalls/{id}/answers.
func (s *Server) handleRollCallAnswers() gin.HandlerFunc {
	type answerJSON struct {
		MemberID int64     `json:"memberId"`
		PointID  int64     `json:"pointId"`
		At       time.Time `json:"at"`
	}
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		rc, err := s.store.RollCall(ctx, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		p, _ := principal(c)
		if _, err := s.store.Conference(ctx, p.Scope(), rc.ConferenceID); err != nil {
			s.respondError(c, err)
			return
		}
		as, err := s.store.RollCallAnswers(ctx, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		out := make([]answerJSON, 0, len(as))
		for _, a := range as {
			if p.Role == attendance.RoleChair {
				if _, err := s.store.Point(ctx, p.Scope(), a.PointID); err != nil {
					continue
				}
			}
			out = append(out, answerJSON{MemberID: a.MemberID, PointID: a.PointID, At: a.At})
		}
		c.JSON(http.StatusOK, gin.H{"items": out})
	}
}

// doAnswer answers a roll call from a phone through the desk: the code or ticket of
// the roll call, and the member as for a check-in.
func (s *Server) doAnswer(c *gin.Context, req checkInRequest) (bridge.Answered, error) {
	code := req.Ticket
	if code == "" {
		code = req.Token
	}
	a, err := s.desk.Answer(c.Request.Context(), bridge.Arrival{Code: code, Key: req.Key, Phone: s.phone(c, req.MemberCode, req.PIN)})
	if err == nil {
		s.rememberDevice(c, a.Identity)
	}
	return a, err
}

// handleRollCallAnswer handles POST /api/v1/rollcalls/answers {"token"|"ticket","memberCode","pin"}.
func (s *Server) handleRollCallAnswer() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := decode[checkInRequest](s, c)
		if !ok {
			return
		}
		a, err := s.doAnswer(c, req)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"rollCallId": a.Answer.RollCallID, "memberId": a.Answer.MemberID, "pointId": a.Answer.PointID,
			"at": a.Answer.At, "memberName": a.Identity.Name, "pointName": a.Point.Name})
	}
}
