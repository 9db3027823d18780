package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// consolePage is what the room console starts with; the rest arrives over WebRTC.
type consolePage struct {
	Point           pointJSON
	Conference      conferenceJSON
	CheckInMatrix   []string
	MaterialsMatrix []string
	MaterialsURL    string
	Expected        int
	CheckedIn       int
	Chair           string
	ChairLabel      string // "console.chair", or "console.openedBy" for staff
	ICEServers      any
	RotateSeconds   int
	NextAt          time.Time
	// CodeKind is "rollcall" when the console opens during a roll call, which it then
	// shows (RollCallID, RollCallEnds) instead of the check-in code.
	CodeKind     string
	RollCallID   int64
	RollCallEnds *time.Time
}

// pageConsole handles GET /{lang}/console/{id}: the console on the room's screen,
// signed in as the point's chair (or an organizer).
func (s *Server) pageConsole() gin.HandlerFunc {
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		r, err := s.desk.Roster(c.Request.Context(), pt)
		if err != nil {
			s.respondError(c, err)
			return
		}
		qr, err := s.qrMessage(c.Request.Context(), pt)
		if err != nil {
			s.respondError(c, err)
			return
		}
		mat, err := s.codes.Matrix(s.materialsURL(pt))
		if err != nil {
			s.respondError(c, err)
			return
		}
		pg := consolePage{Point: toPoint(pt), Conference: toConference(r.Conference), CheckInMatrix: qr.Matrix,
			MaterialsMatrix: mat, MaterialsURL: s.materialsURL(pt), RotateSeconds: int(s.tokens.Rotate().Seconds()),
			NextAt: qr.NextAt, CodeKind: qr.Kind, RollCallID: qr.RollCallID, RollCallEnds: qr.RollCallEnds, Expected: r.Expected(), CheckedIn: r.CheckedIn}
		p, _ := principal(c)
		// Staff who open a console run it; they do not chair the room, and the screen
		// says so rather than naming them chair.
		pg.Chair, pg.ChairLabel = p.Name, "console.chair"
		if p.Staff() {
			pg.ChairLabel = "console.openedBy"
		}
		if s.consoles != nil {
			pg.ICEServers = s.consoles.ICEServers()
		}
		d := s.newPage(c, "page.console")
		d.Title = pt.Name
		d.Data = pg
		c.Header("Cache-Control", "no-store")
		s.render(c, http.StatusOK, "console", d)
	}
}
