package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
)

// Consoles is the WebRTC side of the room consoles (bridge/rtc.Hub), seen without pion.
type Consoles interface {
	// Answer accepts a console's SDP offer and returns the answer with every candidate.
	Answer(ctx context.Context, s bridge.Session, connID, offerSDP string) (string, error)
	// Send pushes a message to a point's console.
	Send(pointID int64, msg any) error
	// Online reports whether a point's console is connected to this instance.
	Online(pointID int64) bool
	// ICEServers are the STUN/TURN servers consoles should use.
	ICEServers() []bridge.ICEServer
}

// maxSDP bounds an SDP offer: a data channel with one video track is a few KiB.
const maxSDP = 64 << 10

// handleSignal handles POST /api/v1/points/{id}/signal {"type":"offer","sdp","connId"}:
// one exchange with complete ICE gathering. Only the point's chair (a secretary or
// deputy whose organization takes part in the point), organizers and admins may open
// its console; the member signed in is the chair of that session.
func (s *Server) handleSignal() gin.HandlerFunc {
	type request struct {
		Type   string `json:"type"`
		SDP    string `json:"sdp"`
		ConnID string `json:"connId"`
	}
	type response struct {
		Type       string             `json:"type"`
		SDP        string             `json:"sdp"`
		ConnID     string             `json:"connId"`
		ICEServers []bridge.ICEServer `json:"iceServers"`
	}
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		req, ok := decode[request](s, c)
		if !ok {
			return
		}
		var fs []attendance.FieldError
		if req.Type != "offer" {
			fs = append(fs, attendance.FieldError{Field: "type", Code: attendance.CodeOneOf, Param: "offer"})
		}
		if req.SDP == "" {
			fs = append(fs, attendance.FieldError{Field: "sdp", Code: attendance.CodeRequired})
		} else if len(req.SDP) > maxSDP {
			fs = append(fs, attendance.FieldError{Field: "sdp", Code: attendance.CodeTooLong, Param: strconv.Itoa(maxSDP)})
		}
		if req.ConnID == "" {
			req.ConnID = newKey()
		} else if len(req.ConnID) > 64 {
			fs = append(fs, attendance.FieldError{Field: "connId", Code: attendance.CodeTooLong, Param: "64"})
		}
		if len(fs) > 0 {
			s.respondError(c, &attendance.ValidationError{Fields: fs})
			return
		}
		if s.consoles == nil {
			s.respondError(c, bridge.ErrConsolesOff)
			return
		}
		p, _ := principal(c)
		ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
		defer cancel()
		answer, err := s.consoles.Answer(ctx, bridge.Session{ConferenceID: pt.ConferenceID, PointID: pt.ID,
			ChairMemberID: p.MemberID}, req.ConnID, req.SDP)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, response{Type: "answer", SDP: answer, ConnID: req.ConnID, ICEServers: s.consoles.ICEServers()})
	}
}

// consoleMessage is what the server pushes to a console on its data channel.
type consoleMessage struct {
	Type string `json:"type"` // "qr", "checkin", "rollcall"
	// For "qr": the code the screen shows now, its modules and when the next one
	// comes. Kind is "checkin", or "rollcall" while a roll call covers the point: the
	// screen then shows the roll call's code until it ends.
	URL          string     `json:"url,omitempty"`
	Matrix       []string   `json:"matrix,omitempty"`
	NextAt       time.Time  `json:"nextAt,omitzero"`
	Kind         string     `json:"kind,omitempty"`
	RollCallID   int64      `json:"rollCallId,omitempty"`
	RollCallEnds *time.Time `json:"rollCallEndsAt,omitempty"`
	// For "checkin" and "rollcall": the board event.
	Event *bridge.Event `json:"event,omitempty"`
}

// qrMessage is the code a point's screen shows now: the open roll call's while one
// covers the point, else the check-in code.
func (s *Server) qrMessage(ctx context.Context, pt attendance.Point) (consoleMessage, error) {
	open, err := s.store.OpenRollCalls(ctx, pt.ConferenceID)
	if err != nil {
		return consoleMessage{}, err
	}
	return s.screenCode(pt, open)
}

// screenCode is the code of pt's screen given its conference's open roll calls.
func (s *Server) screenCode(pt attendance.Point, open []attendance.RollCall) (consoleMessage, error) {
	msg := consoleMessage{Type: "qr", Kind: "checkin"}
	msg.URL, msg.NextAt = s.checkInURL(pt)
	if rc, ok := attendance.Covering(open, pt.ID); ok {
		msg.URL, msg.NextAt = s.rollCallURL(pt, rc)
		msg.Kind, msg.RollCallID, msg.RollCallEnds = "rollcall", rc.ID, &rc.EndsAt
	}
	var err error
	msg.Matrix, err = s.codes.Matrix(msg.URL)
	return msg, err
}

// ForwardToConsoles sends check-in and roll-call events of the bus to the consoles
// connected to this instance; cmd taps the bus with it. A roll call of the whole
// conference (no point) goes to every console of the conference here.
func (s *Server) ForwardToConsoles(ev bridge.Event) {
	if s.consoles == nil || (ev.Type != bridge.EventCheckIn && ev.Type != bridge.EventRollCall) {
		return
	}
	e := ev
	msg := consoleMessage{Type: ev.Type, Event: &e}
	if ev.PointID != 0 {
		// A console that went away is the hub's business; nothing to do here.
		_ = s.consoles.Send(ev.PointID, msg)
		return
	}
	if ev.Type != bridge.EventRollCall || s.cfg.Sessions == nil {
		return
	}
	for _, sess := range s.cfg.Sessions() {
		if sess.ConferenceID == ev.ConferenceID {
			_ = s.consoles.Send(sess.PointID, msg)
		}
	}
}

// PushCodes sends every connected console its point's new code at each rotation,
// until ctx ends: consoles never poll for codes.
func (s *Server) PushCodes(ctx context.Context) {
	if s.cfg.Sessions == nil {
		return
	}
	for {
		now := s.now()
		next := s.tokens.WindowStart(s.tokens.Window(now) + 1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(now) + 10*time.Millisecond):
		}
		// One read of the open roll calls per conference, whatever its number of
		// screens.
		open := map[int64][]attendance.RollCall{}
		for _, sess := range s.cfg.Sessions() {
			pt := attendance.Point{ID: sess.PointID, ConferenceID: sess.ConferenceID}
			rcs, read := open[pt.ConferenceID]
			if !read {
				var err error
				if rcs, err = s.store.OpenRollCalls(ctx, pt.ConferenceID); err != nil {
					s.log.Warn("console code", "conference", pt.ConferenceID, "err", err)
					continue
				}
				open[pt.ConferenceID] = rcs
			}
			msg, err := s.screenCode(pt, rcs)
			if err != nil {
				s.log.Warn("console code", "point", pt.ID, "err", err)
				continue
			}
			_ = s.consoles.Send(pt.ID, msg)
		}
	}
}

// Watcher is a hub that forwards a console's camera to viewers (rtc.Hub is one).
type Watcher interface {
	Watch(ctx context.Context, pointID int64, viewerOfferSDP string) (string, error)
}

// handleWatch handles POST /api/v1/points/{id}/watch {"type":"offer","sdp"}: an
// organizer or supervisor looks into the room through its console's camera. The server
// forwards the video and stores nothing.
func (s *Server) handleWatch() gin.HandlerFunc {
	type request struct {
		Type string `json:"type"`
		SDP  string `json:"sdp"`
	}
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		req, ok := decode[request](s, c)
		if !ok {
			return
		}
		if req.Type != "offer" || req.SDP == "" || len(req.SDP) > maxSDP {
			s.respondError(c, attendance.Invalid("sdp", attendance.CodeInvalid, ""))
			return
		}
		w, ok := s.consoles.(Watcher)
		if !ok || s.consoles == nil {
			s.respondError(c, bridge.ErrConsolesOff)
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
		defer cancel()
		answer, err := w.Watch(ctx, pt.ID, req.SDP)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"type": "answer", "sdp": answer})
	}
}
