package bridge

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"
)

// DeskStore is what the desk needs of the attendance record; attendance/sqlstore.DB
// implements it.
type DeskStore interface {
	Point(ctx context.Context, s attendance.Scope, id int64) (attendance.Point, error)
	Conference(ctx context.Context, s attendance.Scope, id int64) (attendance.Conference, error)
	Member(ctx context.Context, s attendance.Scope, id int64) (attendance.Member, error)
	InvitedPoint(ctx context.Context, conferenceID, memberID int64) (int64, error)

	MemberSignIn(ctx context.Context, code, pin string, keys ...string) (attendance.Principal, []attendance.KeyState, error)
	SignInFailed(ctx context.Context, key string, t attendance.Throttle) error
	SignInSucceeded(ctx context.Context, key string) error

	CheckIn(ctx context.Context, in attendance.CheckInInput) (attendance.CheckInOutcome, error)
	CheckInByID(ctx context.Context, id int64) (attendance.CheckIn, error)
	UndoCheckIn(ctx context.Context, id int64, reason string, by attendance.Principal) (attendance.CheckIn, error)
	CheckOut(ctx context.Context, id int64, reason string, by attendance.Principal) (attendance.CheckIn, error)
	ConfirmCheckIn(ctx context.Context, id int64, by attendance.Principal) (attendance.CheckIn, error)
	PointRoster(ctx context.Context, pointID int64) ([]attendance.RosterEntry, error)
	PointEvents(ctx context.Context, pointID int64, limit int) ([]attendance.CheckInEvent, error)
	Account(ctx context.Context, id int64) (attendance.Account, error)

	StartRollCall(ctx context.Context, conferenceID, pointID int64, window time.Duration, by attendance.Principal) (attendance.RollCall, error)
	AnswerRollCall(ctx context.Context, rollCallID, pointID, memberID int64) (attendance.RollCallAnswer, error)
}

// Desk is the one way into attendance from the live side (docs/design.md §18): it scans codes, exchanges them for tickets, identifies members under the
// lockout rules, checks them in, takes roll-call answers and the chair's manual
// actions within the chair's scope, and publishes what happened. The JSON API and the
// pages both call it and keep only decoding, cookies and answers.
type Desk struct {
	store     DeskStore
	tokens    *Signer
	bus       *Bus
	log       *slog.Logger
	now       func() time.Time
	deviceKey []byte
	places    *expirable.LRU[int64, Place]
	loading   singleflight.Group // one load of a place at a time
}

// TicketTTL is how long a ticket lets the phone page submit after its code was scanned.
const TicketTTL = 15 * time.Minute

// placeTTL is how long a scan's point and conference are reused: during a check-in
// rush a room's members scan the same point hundreds of times a minute. The store
// checks the conference's window again on every check-in, so a conference ended a
// moment ago is still refused.
const placeTTL = 5 * time.Second

// NewDesk returns the desk over store. secret keys the phones' one-tap cookies; bus
// carries the events; now is the clock.
func NewDesk(store DeskStore, tokens *Signer, bus *Bus, secret []byte, now func() time.Time, log *slog.Logger) *Desk {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("diemcau/bridge/device/v2"))
	return &Desk{store: store, tokens: tokens, bus: bus, log: log, now: now, deviceKey: mac.Sum(nil),
		places: expirable.NewLRU[int64, Place](50_000, nil, placeTTL)}
}

// Forget drops every cached place: a conference or point changed, so this instance
// refuses or accepts scans by the new state at once (others within placeTTL).
func (d *Desk) Forget() { d.places.Purge() }

// Place is a point with its conference, as a scan needs them.
type Place struct {
	Point      attendance.Point
	Conference attendance.Conference
}

// Scan is a verified check-in or roll-call code, or a ticket made from one, with the
// place it names.
type Scan struct {
	Token Token
	Place
}

// Source is the kind of code that was scanned (a ticket keeps it).
func (s Scan) Source() Kind { return s.Token.Source() }

// Scan verifies a check-in or roll-call code, or a ticket made from one, and loads its
// point and conference. Codes of the current and previous windows pass; a printed code
// or a ticket passes only in the conference's check-in window (a roll call has its
// own). It returns the token errors, ErrNotFound, ErrCheckinNotOpen or
// ErrCheckinClosed; on an error after the token verified, the place is filled in as
// far as it was read, for the phone to name the room.
func (d *Desk) Scan(ctx context.Context, code string) (Scan, error) {
	var sc Scan
	now := d.now()
	t, err := d.tokens.Parse(code)
	if err != nil {
		return sc, err
	}
	if err := d.tokens.InTime(t, now); err != nil {
		return sc, err
	}
	sc.Token = t
	switch t.Source() {
	case KindCheckIn, KindStatic, KindRollCall:
	default:
		return sc, ErrTokenKind
	}
	if sc.Place, err = d.place(ctx, t.PointID); err != nil {
		return sc, err
	}
	if sc.Point.ConferenceID != t.ConferenceID {
		return sc, ErrTokenConference
	}
	if sc.Source() != KindRollCall {
		if err := sc.Conference.CheckinWindow(now); err != nil {
			return sc, err
		}
	}
	return sc, nil
}

// Ticket exchanges a fresh code for the ticket the phone page keeps, so a slow or
// retried submission still counts after the code rotates. A ticket is never
// renewed: presenting one is ErrTokenKind, so a photographed code lives no longer than
// one ticket. It returns Scan's errors.
func (d *Desk) Ticket(ctx context.Context, code string) (Scan, string, time.Time, error) {
	sc, err := d.Scan(ctx, code)
	if err != nil {
		return sc, "", time.Time{}, err
	}
	tk, err := d.tokens.Ticket(sc.Token, d.now(), TicketTTL)
	if err != nil {
		return sc, "", time.Time{}, err
	}
	return sc, d.tokens.Sign(tk), time.Unix(tk.Window, 0), nil
}

// place returns the point and its conference, from the cache when fresh. When it has
// expired, one request loads it and the others scanning the same point at that moment
// wait for that load instead of making their own.
func (d *Desk) place(ctx context.Context, pointID int64) (Place, error) {
	if pl, ok := d.places.Get(pointID); ok {
		return pl, nil
	}
	ctx = context.WithoutCancel(ctx)
	v, err, _ := d.loading.Do(strconv.FormatInt(pointID, 10), func() (any, error) {
		all := attendance.Scope{All: true}
		var (
			pl  Place
			err error
		)
		if pl.Point, err = d.store.Point(ctx, all, pointID); err != nil {
			return pl, err
		}
		if pl.Conference, err = d.store.Conference(ctx, all, pl.Point.ConferenceID); err != nil {
			return pl, err
		}
		d.places.Add(pointID, pl)
		return pl, nil
	})
	return v.(Place), err
}

// Phone is how a member's phone presents itself: its device id, the one-tap cookie
// once a member checked in on it, the session of a signed-in member, the member code
// and PIN typed, and the client address for the lockout.
type Phone struct {
	Device     string
	OneTap     string
	Session    attendance.Principal
	MemberCode string
	PIN        string
	Address    string
}

// Identity is the member a phone was identified as.
type Identity struct {
	attendance.Principal
	// ByPIN is set when the member typed their code and PIN; OneTap is then the
	// cookie value that makes the next scan on this phone one tap.
	ByPIN  bool
	OneTap string
}

// Identify finds the member a phone acts for: the member code and PIN when typed
// (under the lockout), else the signed-in member, else the phone's one-tap cookie. It
// returns ErrInvalid (nothing to go by), ErrBadCredentials, ErrLocked or ErrThrottled.
func (d *Desk) Identify(ctx context.Context, ph Phone) (Identity, error) {
	if ph.MemberCode != "" || ph.PIN != "" {
		p, err := d.SignIn(ctx, ph.MemberCode, ph.PIN, ph.Address)
		if err != nil {
			return Identity{}, err
		}
		return Identity{Principal: p, ByPIN: true, OneTap: d.oneTap(p.MemberID, p.Credentials, ph.Device)}, nil
	}
	if ph.Session.MemberID != 0 {
		return Identity{Principal: ph.Session}, nil
	}
	if m, ok := d.KnownMember(ctx, ph.Device, ph.OneTap); ok {
		return Identity{Principal: attendance.Principal{Role: attendance.RoleMember, MemberID: m.ID, Name: m.FullName}}, nil
	}
	return Identity{}, &attendance.ValidationError{Fields: []attendance.FieldError{
		{Field: "memberCode", Code: attendance.CodeRequired}, {Field: "pin", Code: attendance.CodeRequired}}}
}

// KnownMember returns the member whose phone this is by its one-tap cookie: the cookie
// must be bound to the device, carry the member's current credentials version (a PIN
// change, reset or deactivation ends it) and name an active member.
func (d *Desk) KnownMember(ctx context.Context, device, oneTap string) (attendance.Member, bool) {
	parts := strings.Split(oneTap, ".")
	if len(parts) != 3 || device == "" {
		return attendance.Member{}, false
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	version, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || id <= 0 || !hmac.Equal([]byte(parts[2]), []byte(d.deviceMAC(id, version, device))) {
		return attendance.Member{}, false
	}
	m, err := d.store.Member(ctx, attendance.Scope{All: true}, id)
	if err != nil || !m.Active || m.CredentialsVersion != version {
		return attendance.Member{}, false
	}
	return m, true
}

// oneTap is the one-tap cookie value for a member under credentials version on device.
func (d *Desk) oneTap(memberID int64, version int, device string) string {
	if device == "" {
		return ""
	}
	return fmt.Sprintf("%d.%d.%s", memberID, version, d.deviceMAC(memberID, version, device))
}

func (d *Desk) deviceMAC(memberID int64, version int, device string) string {
	m := hmac.New(sha256.New, d.deviceKey)
	fmt.Fprintf(m, "%d\x00%d\x00%s", memberID, version, device)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SignIn checks a member code and PIN under the lockout rules (docs/design.md §18.4): every way in that takes a PIN — check-in, roll-call answer, the sign-in
// page and the API's login — comes through here.
//
//   - A member's own key locks for ThrottleMember.Lockout after ThrottleMember.Max
//     failures: ErrLocked, with the time it ends, whatever PIN is typed.
//   - An address that made ThrottleAddress.Max failed guesses within a minute is
//     throttled until the minute ends: a member with failures on record is refused at
//     once with ErrThrottled (429 with Retry-After), and a wrong PIN for any member is
//     answered ErrThrottled; a member's correct PIN still signs in, so one guesser
//     behind a hall's shared address cannot lock the room out.
//
// Codes are compared without case and surrounding spaces (attendance.MemberCode).
func (d *Desk) SignIn(ctx context.Context, code, pin, address string) (attendance.Principal, error) {
	code, pin = attendance.MemberCode(code), strings.TrimSpace(pin)
	if err := validSignIn(code, pin); err != nil {
		return attendance.Principal{}, err
	}
	memberKey, addrKey := "member:"+strings.ToLower(code), "addr:"+address
	p, states, err := d.store.MemberSignIn(ctx, code, pin, memberKey, addrKey)
	if err != nil && !errors.Is(err, attendance.ErrBadCredentials) {
		return p, err
	}
	now := d.now()
	var member, addr attendance.KeyState
	for _, st := range states {
		switch st.Key {
		case memberKey:
			member = st
		case addrKey:
			addr = st
		}
	}
	if member.Locked(now) {
		return attendance.Principal{}, &attendance.LockedError{Until: member.LockedUntil}
	}
	failures := member.FailuresIn(attendance.ThrottleMember, now)
	throttled := addr.Locked(now)
	if throttled && failures > 0 {
		return attendance.Principal{}, &attendance.ThrottledError{Until: addr.LockedUntil}
	}
	if errors.Is(err, attendance.ErrBadCredentials) {
		if err := errors.Join(d.store.SignInFailed(ctx, memberKey, attendance.ThrottleMember),
			d.store.SignInFailed(ctx, addrKey, attendance.ThrottleAddress)); err != nil {
			return p, err
		}
		if throttled {
			return attendance.Principal{}, &attendance.ThrottledError{Until: addr.LockedUntil}
		}
		left := attendance.ThrottleMember.Max - failures - 1
		if left <= 0 {
			return attendance.Principal{}, &attendance.LockedError{Until: now.Add(attendance.ThrottleMember.Lockout)}
		}
		return attendance.Principal{}, &attendance.BadCredentialsError{TriesLeft: left}
	}
	if member.Key != "" {
		return p, d.store.SignInSucceeded(ctx, memberKey)
	}
	return p, nil
}

// validSignIn checks a typed code and PIN before any look-up.
func validSignIn(code, pin string) error {
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
		case !attendance.StorableText(f.value):
			fs = append(fs, attendance.FieldError{Field: f.name, Code: attendance.CodeInvalid})
		}
	}
	if len(fs) > 0 {
		return &attendance.ValidationError{Fields: fs}
	}
	return nil
}

// Arrival is a phone's submission: the code or ticket it holds, the idempotency key of
// the submission, and the phone.
type Arrival struct {
	Code  string
	Key   string
	Phone Phone
}

// Arrived is a recorded check-in: the outcome, the member and the place.
type Arrived struct {
	Outcome  attendance.CheckInOutcome
	Identity Identity
	Place
}

// CheckIn checks the member of a phone in at the point of its code: verify the code,
// identify the member, record it, publish it. A repeated key gets the first answer. It
// returns Scan's, Identify's and the store's CheckIn errors; a roll-call code is
// ErrTokenKind here.
func (d *Desk) CheckIn(ctx context.Context, a Arrival) (Arrived, error) {
	var out Arrived
	sc, err := d.arrive(ctx, a, false, &out.Place, &out.Identity)
	if err != nil {
		return out, err
	}
	who := out.Identity.Principal
	method := attendance.MethodQR
	if sc.Source() == KindStatic {
		method = attendance.MethodStatic
	}
	out.Outcome, err = d.store.CheckIn(ctx, attendance.CheckInInput{ConferenceID: sc.Conference.ID, PointID: sc.Point.ID,
		MemberID: who.MemberID, Method: method, Key: a.Key, DeviceID: a.Phone.Device,
		By: attendance.Principal{MemberID: who.MemberID}, Conference: &sc.Conference})
	if err != nil {
		return out, err
	}
	if err := d.name(ctx, &out.Identity); err != nil {
		return out, err
	}
	if out.Outcome.Result != attendance.ResultAlready {
		d.publish(ctx, EventCheckIn, sc.Conference.ID, sc.Point.ID, map[string]any{"memberId": who.MemberID,
			"name": out.Identity.Name, "result": out.Outcome.Result, "late": out.Outcome.Late, "at": out.Outcome.CheckIn.At})
	}
	return out, nil
}

// arrive scans what a phone submits (its ticket or, from an older page, the code),
// checks it is a roll call's when rollCall and a check-in code's otherwise
// (ErrTokenKind), and identifies the member. The place is filled in as far as it was
// read, for the phone to name the room even on a refusal.
func (d *Desk) arrive(ctx context.Context, a Arrival, rollCall bool, pl *Place, id *Identity) (Scan, error) {
	if a.Code == "" {
		return Scan{}, attendance.Invalid("token", attendance.CodeRequired, "")
	}
	sc, err := d.Scan(ctx, a.Code)
	*pl = sc.Place
	if err != nil {
		return sc, err
	}
	if (sc.Source() == KindRollCall) != rollCall {
		return sc, ErrTokenKind
	}
	*id, err = d.Identify(ctx, a.Phone)
	return sc, err
}

// name fills in the member's name when the identity came without it (a one-tap
// cookie carries only the member).
func (d *Desk) name(ctx context.Context, id *Identity) error {
	if id.Name != "" {
		return nil
	}
	m, err := d.store.Member(ctx, attendance.Scope{All: true}, id.MemberID)
	id.Name = m.FullName
	return err
}

// Answered is a recorded roll-call answer.
type Answered struct {
	Answer   attendance.RollCallAnswer
	Identity Identity
	Place
}

// Answer answers a roll call from a phone: the roll call's code or ticket, and the
// member as for a check-in. It returns Scan's, Identify's and the store's
// AnswerRollCall errors; a check-in code is ErrTokenKind here.
func (d *Desk) Answer(ctx context.Context, a Arrival) (Answered, error) {
	var out Answered
	sc, err := d.arrive(ctx, a, true, &out.Place, &out.Identity)
	if err != nil {
		return out, err
	}
	who := out.Identity.Principal
	if out.Answer, err = d.store.AnswerRollCall(ctx, sc.Token.RollCall(), sc.Point.ID, who.MemberID); err != nil {
		return out, err
	}
	if err := d.name(ctx, &out.Identity); err != nil {
		return out, err
	}
	d.publish(ctx, EventRollCall, sc.Conference.ID, sc.Point.ID, map[string]any{"kind": "answer",
		"rollCallId": out.Answer.RollCallID, "memberId": who.MemberID, "name": out.Identity.Name})
	return out, nil
}

// ChairPoint loads a point the caller may run: organizers and admins any point,
// chairs the points their organizations take part in (others are ErrNotFound);
// other roles run none (ErrForbidden).
func (d *Desk) ChairPoint(ctx context.Context, by attendance.Principal, pointID int64) (attendance.Point, error) {
	if !by.Is(attendance.RoleAdmin, attendance.RoleOrganizer, attendance.RoleChair) {
		return attendance.Point{}, attendance.ErrForbidden
	}
	return d.store.Point(ctx, by.Scope(), pointID)
}

// inScope tells whether by may act on member at pt (docs/design.md §18.7): organizers and admins on anyone; a chair on members of their organizations,
// members invited at the point, and the approved substitutes of those. Anyone else is
// ErrNotFound, as a member they cannot see.
func (d *Desk) inScope(ctx context.Context, by attendance.Principal, pt attendance.Point, memberID int64) error {
	if by.Is(attendance.RoleAdmin, attendance.RoleOrganizer) {
		return nil
	}
	m, err := d.store.Member(ctx, attendance.Scope{All: true}, memberID)
	if err != nil {
		return err
	}
	if by.Is(attendance.RoleChair) && slices.Contains(by.OrgIDs, m.OrganizationID) {
		return nil
	}
	invited, err := d.store.InvitedPoint(ctx, pt.ConferenceID, memberID)
	if errors.Is(err, attendance.ErrNotInvited) || err == nil && invited != pt.ID {
		return fmt.Errorf("member %d at point %d: %w", memberID, pt.ID, attendance.ErrNotFound)
	}
	return err
}

// ManualCheckIn is the chair's or organizer's check-in of a member by hand, with a
// reason, at one of their points; it may move a member in from another point. It
// returns ErrNotFound for a point or member outside the caller's scope, and the
// store's CheckIn errors.
func (d *Desk) ManualCheckIn(ctx context.Context, by attendance.Principal, pointID, memberID int64, reason string) (attendance.CheckInOutcome, error) {
	pt, err := d.ChairPoint(ctx, by, pointID)
	if err != nil {
		return attendance.CheckInOutcome{}, err
	}
	if memberID <= 0 {
		return attendance.CheckInOutcome{}, attendance.Invalid("memberId", attendance.CodeRequired, "")
	}
	if err := d.inScope(ctx, by, pt, memberID); err != nil {
		return attendance.CheckInOutcome{}, err
	}
	out, err := d.store.CheckIn(ctx, attendance.CheckInInput{ConferenceID: pt.ConferenceID, PointID: pt.ID,
		MemberID: memberID, Method: attendance.MethodManual, Reason: reason, By: by})
	if err != nil {
		return out, err
	}
	if out.Result != attendance.ResultAlready {
		d.publish(ctx, EventCheckIn, pt.ConferenceID, pt.ID, map[string]any{"memberId": memberID,
			"result": out.Result, "late": out.Late, "manual": true, "at": out.CheckIn.At})
	}
	return out, nil
}

// Change is what the chair does to a check-in after it was made.
type Change string

// The changes.
const (
	ChangeUndo     Change = "undo"
	ChangeCheckOut Change = "checkout"
	ChangeConfirm  Change = "confirm"
)

// ChangeCheckIn undoes, checks out or confirms a check-in. The chair of its point may,
// for a member in their scope, as may organizers and admins; a member may check
// themselves out. It returns ErrNotFound (the check-in, or outside the scope),
// ErrInvalid (an unknown change, a missing reason) and the store's errors; after a
// refusal past the scope check, the check-in as it was, so a page can go back to its
// point.
func (d *Desk) ChangeCheckIn(ctx context.Context, by attendance.Principal, id int64, change Change, reason string) (attendance.CheckIn, error) {
	ci, err := d.store.CheckInByID(ctx, id)
	if err != nil {
		return ci, err
	}
	self := by.MemberID != 0 && by.MemberID == ci.MemberID && change == ChangeCheckOut
	if !self {
		pt, err := d.ChairPoint(ctx, by, ci.PointID)
		if err != nil {
			return attendance.CheckIn{}, err
		}
		if err := d.inScope(ctx, by, pt, ci.MemberID); err != nil {
			return attendance.CheckIn{}, err
		}
	}
	var changed attendance.CheckIn
	switch change {
	case ChangeUndo:
		changed, err = d.store.UndoCheckIn(ctx, id, reason, by)
	case ChangeCheckOut:
		changed, err = d.store.CheckOut(ctx, id, reason, by)
	case ChangeConfirm:
		changed, err = d.store.ConfirmCheckIn(ctx, id, by)
	default:
		err = attendance.Invalid("action", attendance.CodeOneOf, "undo,checkout,confirm")
	}
	if err != nil {
		return ci, err
	}
	ci = changed
	d.publish(ctx, EventCheckIn, ci.ConferenceID, ci.PointID, map[string]any{"memberId": ci.MemberID,
		"result": string(change), "at": d.now().UTC()})
	return ci, nil
}

// StartRollCall calls the roll of one point (pointID) or, for organizers, of all
// (0); a chair only of their own points. It returns ErrInvalid, ErrNotFound and the
// store's errors.
func (d *Desk) StartRollCall(ctx context.Context, by attendance.Principal, conferenceID, pointID int64, window time.Duration) (attendance.RollCall, error) {
	if by.Is(attendance.RoleChair) {
		if pointID == 0 {
			return attendance.RollCall{}, attendance.Invalid("pointId", attendance.CodeRequired, "")
		}
		pt, err := d.ChairPoint(ctx, by, pointID)
		if err != nil || pt.ConferenceID != conferenceID {
			return attendance.RollCall{}, attendance.Invalid("pointId", attendance.CodeUnknown, "")
		}
	}
	rc, err := d.store.StartRollCall(ctx, conferenceID, pointID, window, by)
	if err != nil {
		return rc, err
	}
	d.publish(ctx, EventRollCall, conferenceID, pointID, map[string]any{"kind": "start", "rollCallId": rc.ID,
		"endsAt": rc.EndsAt})
	return rc, nil
}

// Roster is a point's roster as the chair, the console and the API see it: the
// invitees (and those checked in here from elsewhere) with their live status, and the
// figures. Tally counts the invitees of the point by status, so Expected() leaves out
// exempt members there as everywhere; CheckedIn counts active check-ins here.
type Roster struct {
	Conference attendance.Conference
	Entries    []RosterLine
	Counts     map[attendance.RosterStatus]int
	Invited    int
	Exempt     int
	CheckedIn  int
}

// Expected is the number of members the point expects: invitees less exempt ones.
func (r Roster) Expected() int {
	return attendance.Tally{Invited: r.Invited, Exempt: r.Exempt}.Expected()
}

// RosterLine is one line of a roster with its live status at the point and the
// member's day there, oldest first.
type RosterLine struct {
	attendance.RosterEntry
	Status attendance.RosterStatus
	Day    []DayEvent
}

// DayEvent is one entry of a member's day at a point: an arrival, a move, a manual
// check-in, an undo, a confirmation, a check-out or a roll-call answer, with its
// reason. By names who did it when it was not the member (a chair, an organizer), so
// an undone check-in shows who undid it, when and why.
type DayEvent struct {
	attendance.CheckInEvent
	By string
}

// dayEventsMax bounds the history read for a roster: a point's day has a few events
// per member.
const dayEventsMax = 20_000

// Roster builds the live roster of pt.
func (d *Desk) Roster(ctx context.Context, pt attendance.Point) (Roster, error) {
	r := Roster{Counts: map[attendance.RosterStatus]int{}}
	var err error
	if r.Conference, err = d.store.Conference(ctx, attendance.Scope{All: true}, pt.ConferenceID); err != nil {
		return r, err
	}
	entries, err := d.store.PointRoster(ctx, pt.ID)
	if err != nil {
		return r, err
	}
	days, err := d.days(ctx, pt.ID)
	if err != nil {
		return r, err
	}
	r.Entries = make([]RosterLine, 0, len(entries))
	for _, e := range entries {
		st := e.Status(&r.Conference, pt.ID)
		if e.Invitation.PointID == pt.ID {
			r.Counts[st]++
			r.Invited++
			if e.Invitation.Exempt {
				r.Exempt++
			}
		}
		if e.CheckIn != nil && e.CheckIn.Active() && e.CheckIn.PointID == pt.ID {
			r.CheckedIn++
		}
		r.Entries = append(r.Entries, RosterLine{RosterEntry: e, Status: st, Day: days[e.Invitation.MemberID]})
	}
	return r, nil
}

// days reads the point's history, by member and oldest first, naming the actors who
// were not the member themselves.
func (d *Desk) days(ctx context.Context, pointID int64) (map[int64][]DayEvent, error) {
	evs, err := d.store.PointEvents(ctx, pointID, dayEventsMax)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	name := func(kind string, id int64) (string, error) {
		key := kind + strconv.FormatInt(id, 10)
		if n, ok := names[key]; ok {
			return n, nil
		}
		var n string
		if kind == "a" {
			a, err := d.store.Account(ctx, id)
			if err != nil && !errors.Is(err, attendance.ErrNotFound) {
				return "", err
			}
			n = cmp.Or(a.DisplayName, a.Login)
		} else {
			m, err := d.store.Member(ctx, attendance.Scope{All: true}, id)
			if err != nil && !errors.Is(err, attendance.ErrNotFound) {
				return "", err
			}
			n = m.FullName
		}
		names[key] = n
		return n, nil
	}
	out := map[int64][]DayEvent{}
	for i := len(evs) - 1; i >= 0; i-- { // the store gives the newest first
		e := DayEvent{CheckInEvent: evs[i]}
		switch {
		case e.ByAccountID != nil:
			e.By, err = name("a", *e.ByAccountID)
		case e.ByMemberID != nil && *e.ByMemberID != e.MemberID:
			e.By, err = name("m", *e.ByMemberID)
		}
		if err != nil {
			return nil, err
		}
		out[e.MemberID] = append(out[e.MemberID], e)
	}
	return out, nil
}

// publish raises a live event, logging (not failing the request) when the relay to
// other instances fails: the change is recorded whether or not a board hears of it.
func (d *Desk) publish(ctx context.Context, typ string, conferenceID, pointID int64, data any) {
	ev := Event{Type: typ, ConferenceID: conferenceID, PointID: pointID, At: d.now().UTC()}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			d.log.WarnContext(ctx, "encode event", "type", typ, "err", err)
			return
		}
		ev.Data = b
	}
	if err := d.bus.Publish(context.WithoutCancel(ctx), ev); err != nil {
		d.log.WarnContext(ctx, "publish event", "type", typ, "err", err)
	}
}
