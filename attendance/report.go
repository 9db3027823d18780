package attendance

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Tally counts invitations by outcome. The statuses partition the invitations: a
// member who came late and left early is counted once, under LeftEarly (the status
// Outcome gives them), so Present+Late+LeftEarly+Delegated is everyone who attended.
type Tally struct {
	Invited   int // every invitation, exempt members included
	Present   int // on time and stayed
	Late      int // late and stayed
	LeftEarly int
	Delegated int
	Excused   int
	Pending   int
	Unexcused int
	Exempt    int
}

// Add counts one outcome.
func (t *Tally) Add(s Status) {
	t.Invited++
	switch s {
	case StatusPresent:
		t.Present++
	case StatusLate:
		t.Late++
	case StatusLeftEarly:
		t.LeftEarly++
	case StatusDelegated:
		t.Delegated++
	case StatusExcused:
		t.Excused++
	case StatusPending:
		t.Pending++
	case StatusUnexcused:
		t.Unexcused++
	case StatusExempt:
		t.Exempt++
	}
}

// Merge adds u to t.
func (t *Tally) Merge(u Tally) {
	t.Invited += u.Invited
	t.Present += u.Present
	t.Late += u.Late
	t.LeftEarly += u.LeftEarly
	t.Delegated += u.Delegated
	t.Excused += u.Excused
	t.Pending += u.Pending
	t.Unexcused += u.Unexcused
	t.Exempt += u.Exempt
}

// Expected counts the invitations a rate is taken over: every one but the exempt.
func (t Tally) Expected() int { return t.Invited - t.Exempt }

// Attended counts those who attended, in person or by an approved substitute.
func (t Tally) Attended() int { return t.Present + t.Late + t.LeftEarly + t.Delegated }

// Absent counts the expected who did not attend.
func (t Tally) Absent() int { return t.Excused + t.Pending + t.Unexcused }

// Rate is attended ÷ expected. Excused and pending members are expected and did not
// attend, so an approved absence lowers the rate without being an unexcused absence.
// ok is false when nobody is expected, and there is no rate.
func (t Tally) Rate() (rate float64, ok bool) {
	if t.Expected() <= 0 {
		return 0, false
	}
	return float64(t.Attended()) / float64(t.Expected()), true
}

// ReportPerson is a member as a report names them.
type ReportPerson struct {
	MemberID       int64
	Code           string
	FullName       string
	Position       Position
	OrganizationID int64
}

// ReportNames resolves the IDs that records carry to the names a report prints.
// Missing entries print as empty names.
type ReportNames struct {
	// Accounts are staff accounts by ID: their display name (the login when the
	// account has none).
	Accounts map[int64]string
	// Members are members by ID: approvers, substitutes, chairs.
	Members map[int64]ReportPerson
	// Organizations are organization names by ID.
	Organizations map[int64]string
}

// decider names whoever decided a request: an account or a member.
func (n ReportNames) decider(account, member *int64) string {
	switch {
	case account != nil:
		return n.Accounts[*account]
	case member != nil:
		return n.Members[*member].FullName
	}
	return ""
}

// Basis is the kind of written record behind an absence.
type Basis string

// The bases: an absence request filed before the conference (xin phép), an
// explanation after it started (giải trình), or a delegation to a substitute (ủy
// nhiệm).
const (
	BasisRequest     Basis = Basis(KindRequest)
	BasisExplanation Basis = Basis(KindExplanation)
	BasisDelegation  Basis = "delegation"
)

// AbsenceRecord is the written record behind an absence, as a report shows it: what
// was asked, why, who decided it, when, with what note, and what the supervisory
// committee did with that decision. Basis is empty when the member filed nothing.
type AbsenceRecord struct {
	Basis     Basis
	RequestID int64 // the absence request's or the delegation's ID
	Category  AbsenceCategory
	Reason    string
	// Decision is where the record stands now: pending, approved or rejected, after
	// any overturn.
	Decision DecisionStatus
	// DecidedAs is what the approver decided — DecidedBy, at DecidedAt, with Note —
	// which is not Decision when the committee overturned it (docs/design.md §14.1).
	DecidedAs  DecisionStatus
	DecidedBy  string // the approver's name, once decided
	DecidedAt  *time.Time
	Note       string
	Overturned bool             // supervision flipped the decision
	Overturns  []OverturnRecord // who flipped it, when, why, oldest first
	FiledAt    time.Time        // when the request was filed
	Substitute string           // for a delegation: the substitute's name
}

// OverturnRecord is one overturn of a decision by the supervisory committee: who,
// when, why, and what the decision became.
type OverturnRecord struct {
	By     string // the reviewer's name
	At     time.Time
	Reason string
	To     DecisionStatus
}

// overturns lists a request's overturns from its reviews, and what its approver
// decided before them. A request marked overturned whose reviews are missing was
// flipped once.
func overturns(a *AbsenceRequest, reviews []Review, names ReportNames) (decidedAs DecisionStatus, out []OverturnRecord) {
	for _, r := range reviews {
		if r.AbsenceID == a.ID && r.Action == ReviewOverturned {
			out = append(out, OverturnRecord{By: names.Accounts[r.ReviewerAccountID], At: r.CreatedAt, Reason: r.Note})
		}
	}
	n := len(out)
	if n == 0 && a.Overturned {
		n = 1
	}
	decidedAs = a.Decision.DecidedAs(n)
	to := decidedAs
	for i := range out {
		to = Decision{Status: to}.DecidedAs(1)
		out[i].To = to
	}
	return decidedAs, out
}

// absenceRecord picks the record that decided an absent outcome: the approved
// request of an excused member; the pending request or delegation of a pending one
// (before or after the close); for an unexcused member the rejected request, or else
// the delegation (rejected, or approved with a substitute who did not come).
func absenceRecord(o *InvitationOutcome, names ReportNames, reviews map[int64][]Review) AbsenceRecord {
	a, d := o.Absence, o.Delegation
	useDelegation := a == nil && d != nil
	if o.Status == StatusPending && (a == nil || a.Status != DecisionPending) && d != nil {
		useDelegation = true
	}
	switch {
	case useDelegation:
		r := AbsenceRecord{Basis: BasisDelegation, RequestID: d.ID, Reason: d.Reason, Decision: d.Status, DecidedAs: d.Status,
			Note: d.DecisionNote, FiledAt: d.CreatedAt, Substitute: names.Members[d.SubstituteID].FullName}
		if d.Status == DecisionApproved || d.Status == DecisionRejected {
			r.DecidedBy, r.DecidedAt = names.decider(d.DecidedByAccountID, d.DecidedByMemberID), d.DecidedAt
		}
		return r
	case a != nil:
		r := AbsenceRecord{Basis: Basis(a.Kind), RequestID: a.ID, Category: a.Category, Reason: a.Reason,
			Decision: a.Status, Note: a.DecisionNote, Overturned: a.Overturned, FiledAt: a.CreatedAt}
		r.DecidedAs, r.Overturns = overturns(a, reviews[a.ID], names)
		if a.Status == DecisionApproved || a.Status == DecisionRejected {
			r.DecidedBy, r.DecidedAt = names.decider(a.DecidedByAccountID, a.DecidedByMemberID), a.DecidedAt
		}
		return r
	}
	return AbsenceRecord{}
}

// Absentee is one expected member who did not attend: excused, pending or unexcused,
// with the record behind it. Every excused absentee has an approved request with its
// approver and decision time; a pending one a request nobody decided (docs/design.md
// §10.5); anything else is unexcused.
type Absentee struct {
	InvitationID     int64
	MemberID         int64
	MemberCode       string
	FullName         string
	Position         Position
	OrganizationID   int64
	OrganizationName string
	PointID          int64
	PointName        string
	Status           Status
	AbsenceRecord
}

// Delegate is an invitation answered by an approved substitute who came (ủy nhiệm,
// docs/design.md §13): the invitee, the substitute, the delegation behind it with its
// approver, what the approver was warned of about the substitute (not the invitee's
// deputy, seed 001), and the outcome's flags — the substitute's.
type Delegate struct {
	InvitationID     int64
	MemberID         int64
	MemberCode       string
	FullName         string
	Position         Position
	OrganizationName string
	PointID          int64
	PointName        string
	Substitute       ReportPerson
	// SubstituteOrganization is the name of the substitute's organization.
	SubstituteOrganization string
	CheckedInAt            time.Time // the substitute's check-in
	Late, LeftEarly        bool
	Flags                  []Flag
	Warnings               []DelegationWarning
	AbsenceRecord          // the delegation: reason, approver, time, note
}

// FlagEntry is one flag raised on one invitation's outcome. Detail says more where
// there is more to say: for wrong_point the point where the check-in was made, for
// manual the reason given, for shared_device the device.
type FlagEntry struct {
	InvitationID int64
	MemberID     int64
	MemberCode   string
	FullName     string
	PointID      int64
	PointName    string
	Status       Status
	Flag         Flag
	Detail       string
}

// Flags lists every flag in the order reports show them.
var Flags = []Flag{FlagWrongPoint, FlagManual, FlagSharedDevice, FlagStaticQR, FlagNoMaterials}

// PointSummary is one point's line in a conference report: its outcomes, its
// connection (apart from attendance, docs/design.md §15) and its chair.
type PointSummary struct {
	PointID  int64
	Name     string
	Location string
	Tally
	// Connected tells that the point's console was connected at some time between the
	// opening of check-in and the end.
	Connected bool
	// Outages counts connections that ended as outages (not a server shutdown or a
	// replaced connection) between the opening of check-in and the end, as the
	// outcomes' outage flag counts them; Downtime is the time the point then stayed
	// offline, until its console reconnected or the conference ended (or now, for a
	// conference not yet ended).
	Outages  int
	Downtime time.Duration
	// Chair is who chaired the point: the member signed in at the console the longest
	// during the conference, or without one the secretary (else deputy) present, as the
	// chair rule names them (docs/design.md §11); nil when nobody did. ChairStatus is
	// the rule's verdict.
	Chair       *ReportPerson
	ChairStatus ChairStatus
	// Flagged counts the invitations with at least one flag.
	Flagged int
}

// FlagCount is how many times a flag was raised.
type FlagCount struct {
	Flag Flag
	N    int
}

// ReportTotals adds up a report's points.
type ReportTotals struct {
	Tally
	Points         int
	Connected      int // points whose console connected
	NeverConnected int
	WithOutages    int // points with at least one outage
	Outages        int
	Downtime       time.Duration
	// DowntimeMinutes adds up the points' downtime in whole minutes, each rounded up
	// (DowntimeMinutes), so that it is the sum of the column it totals.
	DowntimeMinutes int
	Flagged         int // invitations with at least one flag
	ChairOK         int
	ChairFlagged    int // not_authorized, secretary_idle or left_early (ChairStatus.Flagged)
	ChairNone       int
	Flags           []FlagCount // every flag, in the order of Flags
}

// ConferenceReport is the attendance report of a conference, or of one of its points
// when PointID is set: a summary per point, the absentees with the records behind
// their absences, and the flags. Final tells that the conference is closed, so the
// outcomes no longer change: the report is locked. Before that it is the state so far.
type ConferenceReport struct {
	Conference Conference
	// Host is the organization that holds the conference, and HostParent the one
	// above it (the heading of a Party document names both); nil when not set.
	Host        *Organization
	HostParent  *Organization
	PointID     int64 // non-zero: the report covers only this point
	GeneratedAt time.Time
	Final       bool
	Points      []PointSummary // in the order of ReportInput.Points
	Totals      ReportTotals
	Absentees   []Absentee  // in the order of the outcomes (point, name)
	Delegates   []Delegate  // likewise
	Flags       []FlagEntry // likewise, each invitation's flags in the order of Flags
}

// ReportInput is everything a conference report is built from. The caller loads it;
// BuildConferenceReport only counts and arranges.
type ReportInput struct {
	Conference       Conference
	Host, HostParent *Organization
	// Points are the conference's points in report order (every point, even when
	// PointID narrows the report: wrong-point check-ins name the others).
	Points []Point
	// Outcomes are the invitations' outcomes, as ConferenceOutcomes gives them.
	Outcomes []InvitationOutcome
	// Presence are the conference's console connections.
	Presence []PresenceInterval
	// Reviews are the supervisory committee's overturns of the absence requests, by
	// request, oldest first (others are ignored).
	Reviews map[int64][]Review
	Names   ReportNames
	// PointID narrows the report to one point.
	PointID int64
	// Now is the clock: the time of the report, and the end of open connections and
	// of downtime while the conference runs.
	Now time.Time
}

// BuildConferenceReport builds the report of in.Conference (or of its point
// in.PointID) from its outcomes and console connections.
func BuildConferenceReport(in ReportInput) ConferenceReport {
	c := in.Conference
	r := ConferenceReport{Conference: c, Host: in.Host, HostParent: in.HostParent, PointID: in.PointID,
		GeneratedAt: in.Now, Final: c.Status == StatusClosed, Absentees: []Absentee{}, Delegates: []Delegate{}, Flags: []FlagEntry{}}
	at := make(map[int64]int, len(in.Points))
	pointNames := make(map[int64]string, len(in.Points))
	for _, p := range in.Points {
		pointNames[p.ID] = p.Name
		if in.PointID != 0 && p.ID != in.PointID {
			continue
		}
		at[p.ID] = len(r.Points)
		r.Points = append(r.Points, PointSummary{PointID: p.ID, Name: p.Name, Location: p.Location})
	}
	// The chair rule looks at the secretaries and deputies of each point's own
	// organizations, wherever they were invited and checked in.
	officers := map[int64][]ChairAttendee{} // by organization
	attendedAt := map[int64]int64{}         // member → the point of their check-in
	for i := range in.Outcomes {
		o := &in.Outcomes[i]
		inv := &o.Invitation
		if inv.Position != PositionSecretary && inv.Position != PositionDeputy {
			continue
		}
		m := Member{ID: inv.MemberID, Code: inv.MemberCode, FullName: inv.FullName, Position: inv.Position,
			OrganizationID: inv.OrganizationID}
		officers[inv.OrganizationID] = append(officers[inv.OrganizationID], ChairAttendee{Member: m, LeftEarly: o.LeftEarly})
		if o.CheckIn != nil && o.CheckIn.Active() {
			attendedAt[inv.MemberID] = o.CheckIn.PointID
		}
	}
	pointOrgs := make(map[int64][]int64, len(in.Points))
	for _, p := range in.Points {
		pointOrgs[p.ID] = p.OrganizationIDs
	}
	for i := range in.Outcomes {
		o := &in.Outcomes[i]
		inv := &o.Invitation
		if in.PointID != 0 && inv.PointID != in.PointID {
			continue
		}
		k, ok := at[inv.PointID]
		if !ok {
			// A point missing from the list still gets its line.
			k = len(r.Points)
			at[inv.PointID] = k
			r.Points = append(r.Points, PointSummary{PointID: inv.PointID, Name: inv.PointName})
		}
		ps := &r.Points[k]
		ps.Tally.Add(o.Status)
		if len(o.Flags) > 0 {
			ps.Flagged++
		}
		if o.Status == StatusDelegated && o.Delegation != nil && o.SubstituteCheckIn != nil {
			r.Delegates = append(r.Delegates, delegate(o, ps.Name, in.Names))
		}
		switch o.Status {
		case StatusExcused, StatusPending, StatusUnexcused:
			r.Absentees = append(r.Absentees, Absentee{InvitationID: inv.ID, MemberID: inv.MemberID,
				MemberCode: inv.MemberCode, FullName: inv.FullName, Position: inv.Position,
				OrganizationID: inv.OrganizationID, OrganizationName: in.Names.Organizations[inv.OrganizationID],
				PointID: inv.PointID, PointName: ps.Name, Status: o.Status, AbsenceRecord: absenceRecord(o, in.Names, in.Reviews)})
		}
		for _, f := range Flags {
			if o.Has(f) {
				r.Flags = append(r.Flags, FlagEntry{InvitationID: inv.ID, MemberID: inv.MemberID, MemberCode: inv.MemberCode,
					FullName: inv.FullName, PointID: inv.PointID, PointName: ps.Name, Status: o.Status, Flag: f,
					Detail: flagDetail(o, f, pointNames)})
			}
		}
	}

	byPoint := map[int64][]PresenceInterval{}
	for _, p := range in.Presence {
		if _, ok := at[p.PointID]; ok {
			byPoint[p.PointID] = append(byPoint[p.PointID], p)
		}
	}
	for i := range r.Points {
		ps := &r.Points[i]
		console := connection(ps, &c, byPoint[ps.PointID], in.Now)
		rule := ChairInput{Organizations: pointOrgs[ps.PointID]}
		for _, org := range rule.Organizations {
			for _, a := range officers[org] {
				a.Present = attendedAt[a.Member.ID] == ps.PointID
				a.LeftEarly = a.LeftEarly && a.Present
				rule.Attendees = append(rule.Attendees, a)
			}
		}
		if console != 0 {
			p := in.Names.Members[console]
			rule.Console = &Member{ID: console, Code: p.Code, FullName: p.FullName, Position: p.Position,
				OrganizationID: p.OrganizationID}
		}
		v := ChairRule(rule)
		ps.ChairStatus = v.Status
		if v.Chair != nil {
			ps.Chair = &ReportPerson{MemberID: v.Chair.ID, Code: v.Chair.Code, FullName: v.Chair.FullName,
				Position: v.Chair.Position, OrganizationID: v.Chair.OrganizationID}
		}
	}

	t := &r.Totals
	flags := map[Flag]int{}
	for _, f := range r.Flags {
		flags[f.Flag]++
	}
	for _, f := range Flags {
		t.Flags = append(t.Flags, FlagCount{Flag: f, N: flags[f]})
	}
	for _, ps := range r.Points {
		t.Tally.Merge(ps.Tally)
		t.Points++
		if ps.Connected {
			t.Connected++
		} else {
			t.NeverConnected++
		}
		if ps.Outages > 0 {
			t.WithOutages++
		}
		t.Outages += ps.Outages
		t.Downtime += ps.Downtime
		t.DowntimeMinutes += DowntimeMinutes(ps.Downtime)
		t.Flagged += ps.Flagged
		switch {
		case ps.ChairStatus == ChairOK:
			t.ChairOK++
		case ps.ChairStatus == ChairNone:
			t.ChairNone++
		case ps.ChairStatus.Flagged():
			t.ChairFlagged++
		}
	}
	return r
}

// delegate names a delegated invitation's substitute and the delegation behind it.
func delegate(o *InvitationOutcome, pointName string, names ReportNames) Delegate {
	inv, d := &o.Invitation, o.Delegation
	sub, ok := names.Members[d.SubstituteID]
	if !ok {
		sub = ReportPerson{MemberID: d.SubstituteID}
	}
	out := Delegate{InvitationID: inv.ID, MemberID: inv.MemberID, MemberCode: inv.MemberCode, FullName: inv.FullName,
		Position: inv.Position, OrganizationName: names.Organizations[inv.OrganizationID], PointID: inv.PointID,
		PointName: pointName, Substitute: sub, SubstituteOrganization: names.Organizations[sub.OrganizationID],
		CheckedInAt: o.SubstituteCheckIn.At, Late: o.Late, LeftEarly: o.LeftEarly, Flags: slices.Clone(o.Flags),
		Warnings: SubstituteWarnings(Member{ID: inv.MemberID, OrganizationID: inv.OrganizationID},
			Member{ID: sub.MemberID, Position: sub.Position, OrganizationID: sub.OrganizationID}),
		AbsenceRecord: AbsenceRecord{Basis: BasisDelegation, RequestID: d.ID, Reason: d.Reason, Decision: d.Status,
			DecidedAs: d.Status, Note: d.DecisionNote, FiledAt: d.CreatedAt, Substitute: sub.FullName, DecidedAt: d.DecidedAt,
			DecidedBy: names.decider(d.DecidedByAccountID, d.DecidedByMemberID)}}
	if out.Flags == nil {
		out.Flags = []Flag{}
	}
	return out
}

// flagDetail says more about flag f of o, where there is more to say.
func flagDetail(o *InvitationOutcome, f Flag, pointNames map[int64]string) string {
	ci := o.CheckIn
	if o.Status == StatusDelegated {
		ci = o.SubstituteCheckIn
	}
	if ci == nil {
		return ""
	}
	switch f {
	case FlagWrongPoint:
		return pointNames[ci.PointID]
	case FlagManual:
		return ci.Reason
	case FlagSharedDevice:
		return ci.DeviceID
	}
	return ""
}

// connection fills a point's connection from its console intervals — connected or
// not from the opening of check-in to the end; the outages and the downtime after them
// while the conference was held (Conference.Held, docs/design.md §15.2) — and returns
// the member signed in at the console the longest (0: none), whom the chair rule
// judges (§11).
func connection(ps *PointSummary, c *Conference, ivs []PresenceInterval, now time.Time) (chair int64) {
	opens := c.CheckinOpens()
	_, ends := c.Held()
	horizon := ends
	if now.Before(horizon) {
		horizon = now
	}
	slices.SortStableFunc(ivs, func(a, b PresenceInterval) int { return a.StartedAt.Compare(b.StartedAt) })
	chairTime := map[int64]time.Duration{}
	var chairOrder []int64
	var down [][2]time.Time
	for _, iv := range ivs {
		end := horizon
		if iv.EndedAt != nil && iv.EndedAt.Before(end) {
			end = *iv.EndedAt
		}
		start := iv.StartedAt
		if start.Before(opens) {
			start = opens
		}
		if !iv.StartedAt.After(ends) && (iv.EndedAt == nil || !iv.EndedAt.Before(opens)) {
			ps.Connected = true
		}
		if id := iv.ChairMemberID; id != nil {
			if _, seen := chairTime[*id]; !seen {
				chairOrder = append(chairOrder, *id)
				chairTime[*id] = 0
			}
			if end.After(start) {
				chairTime[*id] += end.Sub(start)
			}
		}
		if iv.OutageDuring(c) {
			ps.Outages++
			if from := *iv.EndedAt; from.Before(horizon) {
				down = append(down, [2]time.Time{from, reconnected(ivs, from, horizon)})
			}
		}
	}
	ps.Downtime = union(down)
	bestTime := time.Duration(-1)
	for _, id := range chairOrder { // first signed in wins a tie
		if chairTime[id] > bestTime {
			chair, bestTime = id, chairTime[id]
		}
	}
	return chair
}

// reconnected returns when the point was connected again after going offline at
// from: at once if another connection covers from, else the next start, else horizon.
func reconnected(ivs []PresenceInterval, from, horizon time.Time) time.Time {
	back := horizon
	for _, iv := range ivs {
		if iv.StartedAt.After(from) {
			if iv.StartedAt.Before(back) {
				back = iv.StartedAt
			}
			continue
		}
		if iv.EndedAt == nil || iv.EndedAt.After(from) {
			return from
		}
	}
	return back
}

// union is the total length of the spans, counting overlaps once.
func union(spans [][2]time.Time) time.Duration {
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	var total time.Duration
	var cur [2]time.Time
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case !s[0].After(cur[1]):
			if s[1].After(cur[1]) {
				cur[1] = s[1]
			}
		default:
			total += cur[1].Sub(cur[0])
			cur = s
		}
	}
	if len(spans) > 0 {
		total += cur[1].Sub(cur[0])
	}
	return total
}

// MemberReportEntry is one conference in a member's report.
type MemberReportEntry struct {
	ConferenceID int64
	Title        string
	StartsAt     time.Time
	EndsAt       time.Time
	Final        bool // the conference is closed: the status no longer changes
	PointID      int64
	PointName    string
	Status       Status
	Flags        []Flag
	// CheckedInAt is when the member (or, delegated, their substitute) checked in.
	CheckedInAt *time.Time
	AbsenceRecord
}

// MemberReport is one member's attendance over a period: every conference they were
// invited to that started in [From, To), with its outcome and, for an absence, the
// record behind it.
type MemberReport struct {
	Member           Member
	OrganizationName string
	From, To         time.Time
	GeneratedAt      time.Time
	Entries          []MemberReportEntry // by start
	Tally            Tally
}

// MemberReportInput is what a member report is built from.
type MemberReportInput struct {
	Member           Member
	OrganizationName string
	From, To         time.Time
	Now              time.Time
	// Conferences are the conferences of the outcomes, by ID.
	Conferences map[int64]Conference
	// Outcomes are the member's outcomes, one per conference.
	Outcomes []InvitationOutcome
	// Reviews are the overturns of the member's absence requests, by request.
	Reviews map[int64][]Review
	Names   ReportNames
}

// BuildMemberReport builds a member's report from their outcomes.
func BuildMemberReport(in MemberReportInput) MemberReport {
	r := MemberReport{Member: in.Member, OrganizationName: in.OrganizationName, From: in.From, To: in.To,
		GeneratedAt: in.Now, Entries: make([]MemberReportEntry, 0, len(in.Outcomes))}
	for i := range in.Outcomes {
		o := &in.Outcomes[i]
		c := in.Conferences[o.Invitation.ConferenceID]
		e := MemberReportEntry{ConferenceID: c.ID, Title: c.Title, StartsAt: c.StartsAt, EndsAt: c.EndsAt,
			Final: c.Status == StatusClosed, PointID: o.Invitation.PointID, PointName: o.Invitation.PointName,
			Status: o.Status, Flags: slices.Clone(o.Flags)}
		if e.Flags == nil {
			e.Flags = []Flag{}
		}
		ci := o.CheckIn
		if o.Status == StatusDelegated {
			ci = o.SubstituteCheckIn
		}
		if ci != nil && ci.Active() && o.Status.Attended() {
			at := ci.At
			e.CheckedInAt = &at
		}
		switch o.Status {
		case StatusExcused, StatusPending, StatusUnexcused, StatusDelegated:
			e.AbsenceRecord = absenceRecord(o, in.Names, in.Reviews)
		}
		r.Tally.Add(o.Status)
		r.Entries = append(r.Entries, e)
	}
	slices.SortStableFunc(r.Entries, func(a, b MemberReportEntry) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ConferenceID, b.ConferenceID))
	})
	return r
}

// OrganizedConference is a conference an organization (or one under it) held.
type OrganizedConference struct {
	ConferenceID int64
	Title        string
	StartsAt     time.Time
	Final        bool
	HostID       int64
	HostName     string
	Points       int
	Tally        // every invitation of the conference
}

// AttendedConference is a conference an organization's members were invited to,
// with their outcomes only.
type AttendedConference struct {
	ConferenceID int64
	Title        string
	StartsAt     time.Time
	Final        bool
	HostName     string
	Tally        // the organization's members (and those of the organizations under it)
}

// UnitYear is one organization's line in its parent's yearly report.
type UnitYear struct {
	OrganizationID int64
	Name           string
	Kind           OrgKind
	Organized      int // conferences it held
	Conferences    int // conferences its members were invited to
	Tally              // its members' outcomes over those conferences
}

// PositionTally is the outcomes of the members holding one position.
type PositionTally struct {
	Position Position
	Tally
}

// OrganizationYearTotals adds up a yearly report (seed 000's statistics table).
type OrganizationYearTotals struct {
	Organized   int // conferences held by the organization or one under it
	Conferences int // conferences its members were invited to
	Tally
	ByPosition []PositionTally // secretary, deputy, member
}

// OrganizationYearReport counts, for an organization and the organizations under it,
// the conferences they held and those their members were invited to in a calendar
// year (Vietnam time), with the members' attendance (seed 000: "Báo cáo về việc tổ
// chức, tham dự hội họp"). Conferences count once they have started; Final on each
// line tells whether its outcomes are locked.
type OrganizationYearReport struct {
	Organization Organization
	Parent       *Organization
	Year         int
	GeneratedAt  time.Time
	// Final tells that the year is over and every conference counted is closed, so
	// the figures no longer change.
	Final     bool
	Organized []OrganizedConference
	Attended  []AttendedConference
	Units     []UnitYear // the organization first, then those under it
	Totals    OrganizationYearTotals

	unit map[int64]int
}

// NewOrganizationYearReport starts the yearly report of org, whose subtree is units
// (org among them); conferences are then added one at a time, so memory stays bounded
// by the largest conference.
func NewOrganizationYearReport(org Organization, parent *Organization, year int, now time.Time, units []Organization) *OrganizationYearReport {
	r := &OrganizationYearReport{Organization: org, Parent: parent, Year: year, GeneratedAt: now,
		Organized: []OrganizedConference{}, Attended: []AttendedConference{}, unit: map[int64]int{}}
	us := slices.Clone(units)
	slices.SortStableFunc(us, func(a, b Organization) int {
		switch {
		case a.ID == org.ID:
			return -1
		case b.ID == org.ID:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(us) == 0 || us[0].ID != org.ID {
		us = append([]Organization{org}, us...)
	}
	for _, u := range us {
		if _, dup := r.unit[u.ID]; dup {
			continue
		}
		r.unit[u.ID] = len(r.Units)
		r.Units = append(r.Units, UnitYear{OrganizationID: u.ID, Name: u.Name, Kind: u.Kind})
	}
	for _, p := range []Position{PositionSecretary, PositionDeputy, PositionMember} {
		r.Totals.ByPosition = append(r.Totals.ByPosition, PositionTally{Position: p})
	}
	return r
}

// AddOrganized counts conference c, held by hostID (one of the report's units), with
// its points and every outcome.
func (r *OrganizationYearReport) AddOrganized(c Conference, hostID int64, hostName string, points int, outcomes []InvitationOutcome) {
	l := OrganizedConference{ConferenceID: c.ID, Title: c.Title, StartsAt: c.StartsAt, Final: c.Status == StatusClosed,
		HostID: hostID, HostName: hostName, Points: points}
	for i := range outcomes {
		l.Tally.Add(outcomes[i].Status)
	}
	r.Organized = append(r.Organized, l)
	r.Totals.Organized++
	if k, ok := r.unit[hostID]; ok {
		r.Units[k].Organized++
	}
}

// AddAttended counts the outcomes of conference c that belong to members of the
// report's units; others are ignored, so the caller may pass them all. A conference
// none of whose invitations are the units' is not counted.
func (r *OrganizationYearReport) AddAttended(c Conference, hostName string, outcomes []InvitationOutcome) {
	l := AttendedConference{ConferenceID: c.ID, Title: c.Title, StartsAt: c.StartsAt, Final: c.Status == StatusClosed,
		HostName: hostName}
	invited := map[int]bool{}
	for i := range outcomes {
		o := &outcomes[i]
		k, ok := r.unit[o.Invitation.OrganizationID]
		if !ok {
			continue
		}
		l.Tally.Add(o.Status)
		r.Units[k].Tally.Add(o.Status)
		if !invited[k] {
			invited[k] = true
			r.Units[k].Conferences++
		}
		for j := range r.Totals.ByPosition {
			if r.Totals.ByPosition[j].Position == o.Invitation.Position {
				r.Totals.ByPosition[j].Tally.Add(o.Status)
			}
		}
	}
	if l.Invited == 0 {
		return
	}
	r.Attended = append(r.Attended, l)
	r.Totals.Conferences++
	r.Totals.Tally.Merge(l.Tally)
}

// Finish puts the conference lines in date order and decides whether the report is
// final.
func (r *OrganizationYearReport) Finish() {
	_, end := YearBounds(r.Year)
	r.Final = !r.GeneratedAt.Before(end)
	for _, l := range r.Organized {
		r.Final = r.Final && l.Final
	}
	for _, l := range r.Attended {
		r.Final = r.Final && l.Final
	}
	slices.SortStableFunc(r.Organized, func(a, b OrganizedConference) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ConferenceID, b.ConferenceID))
	})
	slices.SortStableFunc(r.Attended, func(a, b AttendedConference) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ConferenceID, b.ConferenceID))
	})
}

// YearBounds returns the start of calendar year in Vietnam time and the start of the
// next, in UTC.
func YearBounds(year int) (from, to time.Time) {
	return time.Date(year, 1, 1, 0, 0, 0, 0, VietnamTime).UTC(), time.Date(year+1, 1, 1, 0, 0, 0, 0, VietnamTime).UTC()
}
