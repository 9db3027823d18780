package api

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
)

// The cookies of a member's phone: a random device id, and once a member checked in
// with their PIN, a signed "this phone is theirs" so the next scan is one tap.
const (
	cookieDevice = "diemcau_did"
	cookieMember = "diemcau_dev"
	deviceTTL    = 400 * 24 * time.Hour
	ticketTTL    = 15 * time.Minute
)

// deviceID returns the phone's device id, giving it one if it has none.
func (s *Server) deviceID(c *gin.Context) string {
	if v, err := c.Cookie(cookieDevice); err == nil && len(v) >= 16 && len(v) <= 64 {
		return v
	}
	b := make([]byte, 16)
	rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieDevice, Value: id, Path: "/", MaxAge: int(deviceTTL.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
	return id
}

// phone is how the request's phone presents itself to the desk: its device id (given
// one if it has none), its one-tap cookie, the signed-in member, and the address.
func (s *Server) phone(c *gin.Context, code, pin string) bridge.Phone {
	ph := bridge.Phone{Device: s.deviceID(c), MemberCode: code, PIN: pin, Address: c.ClientIP()}
	ph.OneTap, _ = c.Cookie(cookieMember)
	if p, ok := principal(c); ok && p.MemberID != 0 {
		ph.Session = p
	}
	return ph
}

// rememberDevice sets the one-tap cookie the desk made after a PIN check-in.
func (s *Server) rememberDevice(c *gin.Context, id bridge.Identity) {
	if !id.ByPIN || id.OneTap == "" {
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieMember, Value: id.OneTap, Path: "/",
		MaxAge: int(deviceTTL.Seconds()), HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
}

// knownMember is the member whose phone this is by its one-tap cookie, if any.
func (s *Server) knownMember(c *gin.Context) (attendance.Member, bool) {
	v, _ := c.Cookie(cookieMember)
	return s.desk.KnownMember(c.Request.Context(), s.deviceID(c), v)
}

// forgetDevice drops the one-tap cookie ("not you?").
func (s *Server) forgetDevice(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieMember, Value: "", Path: "/", MaxAge: -1})
}

// checkInRequest is a member's check-in from a phone: by code, ticket or token.
type checkInRequest struct {
	Token      string `json:"token"`
	Ticket     string `json:"ticket"`
	MemberCode string `json:"memberCode"`
	PIN        string `json:"pin"`
	Key        string `json:"key"`
}

// checkInReply is what the phone shows after a check-in.
type checkInReply struct {
	CheckIn        checkInJSON `json:"checkIn"`
	Result         string      `json:"result"`
	Late           bool        `json:"late"`
	WrongPoint     bool        `json:"wrongPoint"`
	InvitedPointID int64       `json:"invitedPointId,omitempty"`
	MemberName     string      `json:"memberName"`
	PointName      string      `json:"pointName"`
	Conference     string      `json:"conference"`
}

// checkInJSON is a check-in as the API shows it.
type checkInJSON struct {
	ID           int64      `json:"id"`
	ConferenceID int64      `json:"conferenceId"`
	MemberID     int64      `json:"memberId"`
	PointID      int64      `json:"pointId"`
	At           time.Time  `json:"at"`
	Method       string     `json:"method"`
	Flags        []string   `json:"flags"`
	Reason       string     `json:"reason,omitempty"`
	Moves        int        `json:"moves"`
	CheckedOutAt *time.Time `json:"checkedOutAt"`
	UndoneAt     *time.Time `json:"undoneAt"`
	UndoReason   string     `json:"undoReason,omitempty"`
}

func toCheckIn(ci attendance.CheckIn) checkInJSON {
	flags := []string{}
	if ci.Method == attendance.MethodManual {
		flags = append(flags, "manual")
	}
	if ci.Method == attendance.MethodStatic {
		flags = append(flags, "static_qr")
	}
	if ci.SharedDevice {
		flags = append(flags, "shared_device")
		if !ci.Confirmed {
			flags = append(flags, "unconfirmed")
		}
	}
	return checkInJSON{ID: ci.ID, ConferenceID: ci.ConferenceID, MemberID: ci.MemberID, PointID: ci.PointID, At: ci.At,
		Method: string(ci.Method), Flags: flags, Reason: ci.Reason, Moves: ci.Moves, CheckedOutAt: ci.CheckedOutAt,
		UndoneAt: ci.UndoneAt, UndoReason: ci.UndoReason}
}

// doCheckIn runs a phone's check-in through the desk and, on a PIN check-in, sets
// the one-tap cookie for next time.
func (s *Server) doCheckIn(c *gin.Context, req checkInRequest) (checkInReply, bridge.Place, error) {
	code := req.Ticket
	if code == "" {
		code = req.Token
	}
	a, err := s.desk.CheckIn(c.Request.Context(), bridge.Arrival{Code: code, Key: req.Key, Phone: s.phone(c, req.MemberCode, req.PIN)})
	if err != nil {
		return checkInReply{}, a.Place, err
	}
	s.rememberDevice(c, a.Identity)
	out := a.Outcome
	s.metrics.checkins.WithLabelValues(string(out.Result)).Inc()
	return checkInReply{CheckIn: toCheckIn(out.CheckIn), Result: string(out.Result), Late: out.Late, WrongPoint: out.WrongPoint,
		InvitedPointID: out.InvitedPointID, MemberName: a.Identity.Name, PointName: a.Point.Name,
		Conference: a.Conference.Title}, a.Place, nil
}

// handleCheckIn handles POST /api/v1/checkins {"token"|"ticket","memberCode","pin","key"}:
// 201 for a new check-in, 200 when the member was already in. A repeated key gets the
// first answer again, status included.
func (s *Server) handleCheckIn() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := decode[checkInRequest](s, c)
		if !ok {
			return
		}
		reply, _, err := s.doCheckIn(c, req)
		if err != nil {
			s.respondError(c, err)
			return
		}
		status := http.StatusOK
		if reply.Result == string(attendance.ResultCreated) {
			status = http.StatusCreated
		}
		c.JSON(status, reply)
	}
}

// handleTicket handles POST /api/v1/checkins/tickets {"token"}: exchanges a fresh code
// for a ticket that outlives the code's rotation; a ticket is not exchanged again.
func (s *Server) handleTicket() gin.HandlerFunc {
	type request struct {
		Token string `json:"token"`
	}
	type response struct {
		Ticket     string    `json:"ticket"`
		ExpiresAt  time.Time `json:"expiresAt"`
		Kind       string    `json:"kind"`
		PointID    int64     `json:"pointId"`
		PointName  string    `json:"pointName"`
		Conference string    `json:"conference"`
		RollCallID int64     `json:"rollCallId,omitempty"`
	}
	return func(c *gin.Context) {
		req, ok := decode[request](s, c)
		if !ok {
			return
		}
		if req.Token == "" {
			s.respondError(c, attendance.Invalid("token", attendance.CodeRequired, ""))
			return
		}
		sc, ticket, exp, err := s.desk.Ticket(c.Request.Context(), req.Token)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, response{Ticket: ticket, ExpiresAt: exp, Kind: sc.Source().String(), PointID: sc.Point.ID,
			PointName: sc.Point.Name, Conference: sc.Conference.Title, RollCallID: sc.Token.RollCall()})
	}
}

// chairPoint loads the point of the path's id if the caller may see it: staff any
// point, chairs their own (others are 404). Routes choose the roles; the desk checks
// again for what it does.
func (s *Server) chairPoint(c *gin.Context, param string) (attendance.Point, bool) {
	id, ok := s.idParam(c, param)
	if !ok {
		return attendance.Point{}, false
	}
	p, _ := principal(c)
	pt, err := s.store.Point(c.Request.Context(), p.Scope(), id)
	if err != nil {
		s.respondError(c, err)
		return pt, false
	}
	return pt, true
}

// rosterEntryJSON is one line of a point's live roster.
type rosterEntryJSON struct {
	invitationJSON
	Status  attendance.RosterStatus `json:"status"`
	CheckIn *checkInJSON            `json:"checkIn"`
	Day     []dayEventJSON          `json:"day"`
}

// dayEventJSON is one entry of a member's day at the point.
type dayEventJSON struct {
	Kind   attendance.CheckInEventKind `json:"kind"`
	At     time.Time                   `json:"at"`
	Reason string                      `json:"reason,omitempty"`
	By     string                      `json:"by,omitempty"`
}

// rosterEntries are a roster's lines as the API and the chair's page show them.
func rosterEntries(r bridge.Roster) []rosterEntryJSON {
	out := make([]rosterEntryJSON, len(r.Entries))
	for i, e := range r.Entries {
		out[i] = rosterEntryJSON{invitationJSON: toInvitation(e.Invitation), Status: e.Status, Day: make([]dayEventJSON, len(e.Day))}
		for j, ev := range e.Day {
			out[i].Day[j] = dayEventJSON{Kind: ev.Kind, At: ev.At, Reason: ev.Reason, By: ev.By}
		}
		if e.CheckIn != nil {
			ci := toCheckIn(*e.CheckIn)
			out[i].CheckIn = &ci
		}
	}
	return out
}

// handlePointRoster handles GET /api/v1/points/{id}/roster: the invitees with their
// live status, and the summary counts.
func (s *Server) handlePointRoster() gin.HandlerFunc {
	type response struct {
		PointID  int64                           `json:"pointId"`
		Counts   map[attendance.RosterStatus]int `json:"counts"`
		Expected int                             `json:"expected"`
		Invited  int                             `json:"invited"`
		Exempt   int                             `json:"exempt"`
		Entries  []rosterEntryJSON               `json:"entries"`
	}
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
		c.JSON(http.StatusOK, response{PointID: pt.ID, Counts: r.Counts, Expected: r.Expected(), Invited: r.Invited,
			Exempt: r.Exempt, Entries: rosterEntries(r)})
	}
}

// handlePointEvents handles GET /api/v1/points/{id}/events?limit=: the latest
// arrivals, moves, check-outs and roll-call answers at the point.
func (s *Server) handlePointEvents() gin.HandlerFunc {
	type eventJSON struct {
		Kind     attendance.CheckInEventKind `json:"kind"`
		MemberID int64                       `json:"memberId"`
		At       time.Time                   `json:"at"`
		Reason   string                      `json:"reason,omitempty"`
	}
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		q := newQuery(c)
		limit := int(q.int64("limit"))
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		if limit <= 0 || limit > 200 {
			limit = 50
		}
		evs, err := s.store.PointEvents(c.Request.Context(), pt.ID, limit)
		if err != nil {
			s.respondError(c, err)
			return
		}
		out := make([]eventJSON, len(evs))
		for i, e := range evs {
			out[i] = eventJSON{Kind: e.Kind, MemberID: e.MemberID, At: e.At, Reason: e.Reason}
		}
		c.JSON(http.StatusOK, gin.H{"items": out})
	}
}

// handleManualCheckIn handles POST /api/v1/points/{id}/checkins {"memberId","reason"}:
// the chair or organizer checks a member in by hand; the reason is required and the
// check-in is flagged manual. A member outside the chair's scope is 404.
func (s *Server) handleManualCheckIn() gin.HandlerFunc {
	type request struct {
		MemberID int64  `json:"memberId"`
		Reason   string `json:"reason"`
	}
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		req, ok := decode[request](s, c)
		if !ok {
			return
		}
		p, _ := principal(c)
		out, err := s.desk.ManualCheckIn(c.Request.Context(), p, id, req.MemberID, req.Reason)
		if err != nil {
			s.respondError(c, err)
			return
		}
		status := http.StatusOK
		if out.Result == attendance.ResultCreated {
			status = http.StatusCreated
		}
		c.JSON(status, gin.H{"checkIn": toCheckIn(out.CheckIn), "result": out.Result, "late": out.Late, "wrongPoint": out.WrongPoint})
	}
}

// checkInChange handles POST /api/v1/checkins/{id}/undo|checkout|confirm. The chair of
// the check-in's point (for a member in their scope), organizers and admins may; a
// member may check themselves out.
func (s *Server) checkInChange(change bridge.Change) gin.HandlerFunc {
	type request struct {
		Reason string `json:"reason"`
	}
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		var req request
		if c.Request.ContentLength != 0 {
			if req, ok = decode[request](s, c); !ok {
				return
			}
		}
		p, _ := principal(c)
		ci, err := s.desk.ChangeCheckIn(c.Request.Context(), p, id, change, req.Reason)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toCheckIn(ci))
	}
}
