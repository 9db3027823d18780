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
		ctx := c.Request.Context()
		if p.Role == attendance.RoleChair {
			if req.PointID == 0 {
				s.respondError(c, attendance.Invalid("pointId", attendance.CodeRequired, ""))
				return
			}
			if _, err := s.store.Point(ctx, p.Scope(), req.PointID); err != nil {
				s.respondError(c, attendance.Invalid("pointId", attendance.CodeUnknown, ""))
				return
			}
		}
		rc, err := s.store.StartRollCall(ctx, conf.ID, req.PointID, time.Duration(req.WindowMinutes)*time.Minute, p)
		if err != nil {
			s.respondError(c, err)
			return
		}
		s.publish(ctx, bridge.EventRollCall, conf.ID, req.PointID, map[string]any{"kind": "start", "rollCallId": rc.ID,
			"endsAt": rc.EndsAt})
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

// doAnswer answers a roll call from a phone: the code or ticket of the roll call, and
// the member as for a check-in.
func (s *Server) doAnswer(c *gin.Context, req checkInRequest) (attendance.RollCallAnswer, scanned, string, error) {
	code := req.Ticket
	if code == "" {
		code = req.Token
	}
	if code == "" {
		return attendance.RollCallAnswer{}, scanned{}, "", attendance.Invalid("token", attendance.CodeRequired, "")
	}
	sc, err := s.scan(c, code)
	if err != nil {
		return attendance.RollCallAnswer{}, sc, "", err
	}
	if sc.Source != bridge.KindRollCall {
		return attendance.RollCallAnswer{}, sc, "", bridge.ErrTokenKind
	}
	device := s.deviceID(c)
	who, byPIN, err := s.identify(c, req.MemberCode, req.PIN, device)
	if err != nil {
		return attendance.RollCallAnswer{}, sc, "", err
	}
	a, err := s.store.AnswerRollCall(c.Request.Context(), rollCallOf(sc), sc.Point.ID, who.MemberID)
	if err != nil {
		return a, sc, "", err
	}
	if byPIN {
		s.rememberDevice(c, who.MemberID, device)
	}
	name, err := s.memberName(c, who)
	if err == nil {
		s.publish(c.Request.Context(), bridge.EventRollCall, sc.Conference.ID, sc.Point.ID, map[string]any{"kind": "answer",
			"rollCallId": a.RollCallID, "memberId": a.MemberID, "name": name})
	}
	return a, sc, name, err
}

// handleRollCallAnswer handles POST /api/v1/rollcalls/answers {"token"|"ticket","memberCode","pin"}.
func (s *Server) handleRollCallAnswer() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := decode[checkInRequest](s, c)
		if !ok {
			return
		}
		a, sc, name, err := s.doAnswer(c, req)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"rollCallId": a.RollCallID, "memberId": a.MemberID, "pointId": a.PointID, "at": a.At,
			"memberName": name, "pointName": sc.Point.Name})
	}
}
