package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

// deviceMember returns the member whose phone this is, from the signed cookie bound to
// the device id; 0 when there is none or it does not verify.
func (s *Server) deviceMember(c *gin.Context, device string) int64 {
	v, err := c.Cookie(cookieMember)
	if err != nil {
		return 0
	}
	id, sig, ok := strings.Cut(v, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.deviceMAC(id, device))) {
		return 0
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

func (s *Server) deviceMAC(memberID, device string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("device\x00" + memberID + "\x00" + device))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) rememberDevice(c *gin.Context, memberID int64, device string) {
	id := strconv.FormatInt(memberID, 10)
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieMember, Value: id + "." + s.deviceMAC(id, device), Path: "/",
		MaxAge: int(deviceTTL.Seconds()), HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
}

// forgetDevice drops the one-tap cookie ("not you?").
func (s *Server) forgetDevice(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieMember, Value: "", Path: "/", MaxAge: -1})
}

// scanned is a verified QR code or ticket with what it refers to.
type scanned struct {
	Token      bridge.Token
	Source     bridge.Kind // the kind of code that was scanned (a ticket keeps it)
	Point      attendance.Point
	Conference attendance.Conference
}

// scan verifies a check-in or roll-call code, or a ticket made from one, and loads its
// point and conference. Codes of the current and previous windows pass; a printed code
// passes only in the conference's check-in window.
func (s *Server) scan(c *gin.Context, str string) (scanned, error) {
	var sc scanned
	now := s.now()
	t, err := s.tokens.Parse(str)
	if err != nil {
		return sc, err
	}
	if err := s.tokens.InTime(t, now); err != nil {
		return sc, err
	}
	sc.Token, sc.Source = t, t.Kind
	switch t.Kind {
	case bridge.KindTicket:
		sc.Source = ticketSource(t)
	case bridge.KindCheckIn, bridge.KindStatic, bridge.KindRollCall:
	default:
		return sc, bridge.ErrTokenKind
	}
	pl, err := s.place(c, t.PointID)
	if err != nil {
		return sc, err
	}
	sc.Point, sc.Conference = pl.Point, pl.Conference
	if sc.Point.ConferenceID != t.ConferenceID {
		return sc, bridge.ErrTokenConference
	}
	if sc.Source != bridge.KindRollCall {
		if err := sc.Conference.CheckinWindow(now); err != nil {
			return sc, err
		}
	}
	return sc, nil
}

// place is a point with its conference, as a scan needs them.
type place struct {
	Point      attendance.Point
	Conference attendance.Conference
}

// placeTTL is how long a scan's point and conference are reused: during a check-in
// rush a room's members scan the same point hundreds of times a minute. The store
// checks the conference's window again on every check-in, so a conference ended a
// moment ago is still refused.
const placeTTL = 5 * time.Second

// place returns the point and its conference, from the cache when fresh. When it has
// expired, one request loads it and the others scanning the same point at that moment
// wait for that load instead of making their own.
func (s *Server) place(c *gin.Context, pointID int64) (place, error) {
	if pl, ok := s.places.Get(pointID); ok {
		return pl, nil
	}
	ctx := context.WithoutCancel(c.Request.Context())
	v, err, _ := s.loading.Do(strconv.FormatInt(pointID, 10), func() (any, error) {
		all := attendance.Scope{All: true}
		var (
			pl  place
			err error
		)
		if pl.Point, err = s.store.Point(ctx, all, pointID); err != nil {
			return pl, err
		}
		if pl.Conference, err = s.store.Conference(ctx, all, pl.Point.ConferenceID); err != nil {
			return pl, err
		}
		s.places.Add(pointID, pl)
		return pl, nil
	})
	return v.(place), err
}

// ticketFor makes the ticket the phone page keeps: it outlives the code's rotation.
// A roll-call ticket keeps its roll call.
func (s *Server) ticketFor(sc scanned) (string, time.Time) {
	exp := s.now().Add(ticketTTL)
	if sc.Source == bridge.KindRollCall {
		return s.tokens.Sign(bridge.Token{Kind: bridge.KindTicket, ConferenceID: sc.Token.ConferenceID,
			PointID: sc.Token.PointID, Window: exp.Unix(), Ref: int64(bridge.KindRollCall)<<32 | sc.Token.Ref}), exp
	}
	return s.tokens.Ticket(sc.Token, s.now(), ticketTTL), exp
}

// ticketSource is the kind of code a ticket was made from: a roll-call ticket keeps
// the kind in the high half of Ref and the roll call in the low half.
func ticketSource(t bridge.Token) bridge.Kind {
	if k := t.Ref >> 32; k != 0 {
		return bridge.Kind(k)
	}
	return bridge.Kind(t.Ref)
}

// rollCallOf returns the roll call a scanned roll-call code or ticket refers to.
func rollCallOf(sc scanned) int64 {
	if sc.Token.Kind == bridge.KindTicket {
		return sc.Token.Ref & (1<<32 - 1)
	}
	return sc.Token.Ref
}

// identify finds the member a check-in is for: the signed-in member, the phone's
// one-tap cookie, or the member code and PIN (under the lockout rules). It returns the
// member id and whether the PIN was used.
func (s *Server) identify(c *gin.Context, code, pin, device string) (attendance.Principal, bool, error) {
	if code == "" && pin == "" {
		if p, ok := principal(c); ok && p.MemberID != 0 {
			return p, false, nil
		}
		if id := s.deviceMember(c, device); id != 0 {
			return attendance.Principal{Role: attendance.RoleMember, MemberID: id}, false, nil
		}
		return attendance.Principal{}, false, &attendance.ValidationError{Fields: []attendance.FieldError{
			{Field: "memberCode", Code: attendance.CodeRequired}, {Field: "pin", Code: attendance.CodeRequired}}}
	}
	p, err := s.checkPIN(c, code, pin)
	return p, err == nil, err
}

// memberName is the name of who checked in: known from the sign-in, or looked up for
// a one-tap check-in.
func (s *Server) memberName(c *gin.Context, p attendance.Principal) (string, error) {
	if p.Name != "" {
		return p.Name, nil
	}
	m, err := s.store.Member(c.Request.Context(), attendance.Scope{All: true}, p.MemberID)
	return m.FullName, err
}

// checkPIN checks a member code and PIN under the lockout rules of the member and of
// the client address.
func (s *Server) checkPIN(c *gin.Context, code, pin string) (attendance.Principal, error) {
	code, pin = strings.TrimSpace(code), strings.TrimSpace(pin)
	var fs []attendance.FieldError
	for _, f := range []struct {
		name, value string
		max         int
	}{{"memberCode", code, 64}, {"pin", pin, 16}} {
		switch {
		case f.value == "":
			fs = append(fs, attendance.FieldError{Field: f.name, Code: attendance.CodeRequired})
		case len(f.value) > f.max:
			fs = append(fs, attendance.FieldError{Field: f.name, Code: attendance.CodeTooLong, Param: strconv.Itoa(f.max)})
		}
	}
	if len(fs) > 0 {
		return attendance.Principal{}, &attendance.ValidationError{Fields: fs}
	}
	ctx := c.Request.Context()
	memberKey, addrKey := "member:"+strings.ToLower(code), "addr:"+c.ClientIP()
	p, failing, err := s.store.MemberSignIn(ctx, code, pin, memberKey, addrKey)
	if errors.Is(err, attendance.ErrBadCredentials) {
		if err := errors.Join(s.store.SignInFailed(ctx, memberKey, attendance.ThrottleMember),
			s.store.SignInFailed(ctx, addrKey, attendance.ThrottleAddress)); err != nil {
			return p, err
		}
		return p, attendance.ErrBadCredentials
	}
	if err != nil || !slices.Contains(failing, memberKey) {
		return p, err
	}
	return p, s.store.SignInSucceeded(ctx, memberKey)
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

// doCheckIn runs a phone's check-in: verify the code, identify the member, record it,
// and on a PIN check-in remember the phone for one-tap next time.
func (s *Server) doCheckIn(c *gin.Context, req checkInRequest) (checkInReply, error) {
	var reply checkInReply
	code := req.Ticket
	if code == "" {
		code = req.Token
	}
	if code == "" {
		return reply, attendance.Invalid("token", attendance.CodeRequired, "")
	}
	sc, err := s.scan(c, code)
	if err != nil {
		return reply, err
	}
	if sc.Source == bridge.KindRollCall {
		return reply, bridge.ErrTokenKind
	}
	device := s.deviceID(c)
	who, byPIN, err := s.identify(c, req.MemberCode, req.PIN, device)
	if err != nil {
		return reply, err
	}
	memberID := who.MemberID
	method := attendance.MethodQR
	if sc.Source == bridge.KindStatic {
		method = attendance.MethodStatic
	}
	ctx := c.Request.Context()
	out, err := s.store.CheckIn(ctx, attendance.CheckInInput{ConferenceID: sc.Conference.ID, PointID: sc.Point.ID,
		MemberID: memberID, Method: method, Key: req.Key, DeviceID: device, By: attendance.Principal{MemberID: memberID},
		Conference: &sc.Conference})
	if err != nil {
		return reply, err
	}
	if byPIN {
		s.rememberDevice(c, memberID, device)
	}
	name, err := s.memberName(c, who)
	if err != nil {
		return reply, err
	}
	s.metrics.checkins.WithLabelValues(string(out.Result)).Inc()
	if out.Result != attendance.ResultAlready {
		s.publish(ctx, bridge.EventCheckIn, sc.Conference.ID, sc.Point.ID, map[string]any{"memberId": memberID,
			"name": name, "result": out.Result, "late": out.Late, "at": out.CheckIn.At})
	}
	return checkInReply{CheckIn: toCheckIn(out.CheckIn), Result: string(out.Result), Late: out.Late, WrongPoint: out.WrongPoint,
		InvitedPointID: out.InvitedPointID, MemberName: name, PointName: sc.Point.Name, Conference: sc.Conference.Title}, nil
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
		reply, err := s.doCheckIn(c, req)
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
// for a ticket that outlives the code's rotation.
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
		sc, err := s.scan(c, req.Token)
		if err != nil {
			s.respondError(c, err)
			return
		}
		ticket, exp := s.ticketFor(sc)
		resp := response{Ticket: ticket, ExpiresAt: exp, Kind: sc.Source.String(), PointID: sc.Point.ID,
			PointName: sc.Point.Name, Conference: sc.Conference.Title}
		if sc.Source == bridge.KindRollCall {
			resp.RollCallID = rollCallOf(sc)
		}
		c.JSON(http.StatusOK, resp)
	}
}

// chairPoint loads the point of the path's id if the caller may run it: organizers
// and admins any point, chairs their own (others are 404).
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
}

// pointRoster is a point's roster as the chair sees it, in the API, on the chair's page
// and on the console: the invitees (and those checked in here from elsewhere) with
// their live status, counted by status. Invited counts everyone invited here, as the
// roster lists them; Expected and CheckedIn are the board's figures, which the
// console shows (exempt members are not expected).
type pointRoster struct {
	Conference attendance.Conference
	Counts     map[attendance.RosterStatus]int
	Invited    int
	Expected   int
	CheckedIn  int
	Entries    []rosterEntryJSON
}

func (s *Server) pointRoster(ctx context.Context, pt attendance.Point) (pointRoster, error) {
	r := pointRoster{Counts: map[attendance.RosterStatus]int{}}
	var err error
	if r.Conference, err = s.store.Conference(ctx, attendance.Scope{All: true}, pt.ConferenceID); err != nil {
		return r, err
	}
	entries, err := s.store.PointRoster(ctx, pt.ID)
	if err != nil {
		return r, err
	}
	r.Entries = make([]rosterEntryJSON, 0, len(entries))
	for _, e := range entries {
		st := e.Status(&r.Conference, pt.ID)
		if e.Invitation.PointID == pt.ID {
			r.Counts[st]++
			r.Invited++
			if !e.Invitation.Exempt {
				r.Expected++
			}
		}
		j := rosterEntryJSON{invitationJSON: toInvitation(e.Invitation), Status: st}
		if e.CheckIn != nil {
			ci := toCheckIn(*e.CheckIn)
			j.CheckIn = &ci
			if e.CheckIn.Active() && e.CheckIn.PointID == pt.ID {
				r.CheckedIn++
			}
		}
		r.Entries = append(r.Entries, j)
	}
	return r, nil
}

// handlePointRoster handles GET /api/v1/points/{id}/roster: the invitees with their
// live status, and the summary counts.
func (s *Server) handlePointRoster() gin.HandlerFunc {
	type response struct {
		PointID  int64                           `json:"pointId"`
		Counts   map[attendance.RosterStatus]int `json:"counts"`
		Expected int                             `json:"expected"`
		Entries  []rosterEntryJSON               `json:"entries"`
	}
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		r, err := s.pointRoster(c.Request.Context(), pt)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, response{PointID: pt.ID, Counts: r.Counts, Expected: r.Invited, Entries: r.Entries})
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
// check-in is flagged manual.
func (s *Server) handleManualCheckIn() gin.HandlerFunc {
	type request struct {
		MemberID int64  `json:"memberId"`
		Reason   string `json:"reason"`
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
		if req.MemberID <= 0 {
			s.respondError(c, attendance.Invalid("memberId", attendance.CodeRequired, ""))
			return
		}
		p, _ := principal(c)
		out, err := s.store.CheckIn(c.Request.Context(), attendance.CheckInInput{ConferenceID: pt.ConferenceID, PointID: pt.ID,
			MemberID: req.MemberID, Method: attendance.MethodManual, Reason: req.Reason, By: p})
		if err != nil {
			s.respondError(c, err)
			return
		}
		status := http.StatusOK
		if out.Result == attendance.ResultCreated {
			status = http.StatusCreated
		}
		if out.Result != attendance.ResultAlready {
			s.publish(c.Request.Context(), bridge.EventCheckIn, pt.ConferenceID, pt.ID, map[string]any{"memberId": req.MemberID,
				"result": out.Result, "late": out.Late, "manual": true, "at": out.CheckIn.At})
		}
		c.JSON(status, gin.H{"checkIn": toCheckIn(out.CheckIn), "result": out.Result, "late": out.Late, "wrongPoint": out.WrongPoint})
	}
}

// checkInChange handles POST /api/v1/checkins/{id}/undo|checkout|confirm. The chair of
// the check-in's point, organizers and admins may; a member may check themselves out.
func (s *Server) checkInChange(action string) gin.HandlerFunc {
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
		ctx := c.Request.Context()
		ci, err := s.store.CheckInByID(ctx, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		p, _ := principal(c)
		self := p.MemberID == ci.MemberID && action == "checkout"
		if !self {
			if !p.Is(attendance.RoleAdmin, attendance.RoleOrganizer, attendance.RoleChair) {
				s.respondError(c, attendance.ErrForbidden)
				return
			}
			if _, err := s.store.Point(ctx, p.Scope(), ci.PointID); err != nil {
				s.respondError(c, err)
				return
			}
		}
		switch action {
		case "undo":
			ci, err = s.store.UndoCheckIn(ctx, id, req.Reason, p)
		case "checkout":
			ci, err = s.store.CheckOut(ctx, id, req.Reason, p)
		case "confirm":
			ci, err = s.store.ConfirmCheckIn(ctx, id, p)
		default:
			err = fmt.Errorf("unknown check-in action %q", action)
		}
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toCheckIn(ci))
	}
}
