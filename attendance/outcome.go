package attendance

import "time"

// Status is the outcome of one invitation (docs/design.md §10).
type Status string

// The outcomes.
const (
	StatusPresent   Status = "present"    // checked in on time, stayed
	StatusLate      Status = "late"       // checked in after start + late grace, stayed
	StatusLeftEarly Status = "left_early" // checked in, then left (checked out or missed the last roll call)
	StatusDelegated Status = "delegated"  // an approved substitute came
	StatusExcused   Status = "excused"    // absent with an approved request
	StatusPending   Status = "pending"    // absent, a request awaits its decision (or was never decided before the close)
	StatusUnexcused Status = "unexcused"  // absent without an approved request
	StatusExempt    Status = "exempt"     // miễn sinh hoạt: listed, excluded from rates
)

// Attended reports whether s counts as attending in rates: present, late, left early
// or delegated.
func (s Status) Attended() bool {
	return s == StatusPresent || s == StatusLate || s == StatusLeftEarly || s == StatusDelegated
}

// Flag marks an outcome that needs a second look.
type Flag string

// The flags, in the order Outcome lists them.
const (
	FlagWrongPoint   Flag = "wrong_point"   // checked in at another point than invited
	FlagManual       Flag = "manual"        // checked in by the chair or organizer, with a reason
	FlagSharedDevice Flag = "shared_device" // a device that checked in someone else; not confirmed by the chair
	FlagStaticQR     Flag = "static_qr"     // the printed code: lower assurance
	FlagNoMaterials  Flag = "no_materials"  // never opened any of the conference's documents
)

// OutcomeInput is every record that decides one invitation's outcome. The caller loads
// them; Outcome only applies the rules.
type OutcomeInput struct {
	Invitation InvitationView
	// CheckIn is the member's own check-in, wherever made; nil if none.
	CheckIn *CheckIn
	// RollCalls are the conference's roll calls. Those not covering the point where
	// the attendee checked in are ignored, so the caller may pass them all.
	RollCalls []RollCall
	// Answered says which roll calls (by ID) the member answered.
	Answered map[int64]bool
	// HasDocuments tells whether the conference has documents members can open; only
	// then is not opening them flagged.
	HasDocuments    bool
	OpenedMaterials bool
	// Absence is the member's latest absence request that was not withdrawn.
	Absence *AbsenceRequest
	// Delegation is the member's latest delegation that was not withdrawn, with the
	// substitute's check-in, roll-call answers and reading.
	Delegation                *Delegation
	SubstituteCheckIn         *CheckIn
	SubstituteAnswered        map[int64]bool
	SubstituteOpenedMaterials bool
	// PointOutage tells that the invited point's console was offline. It is carried to
	// the result as information only: an outage never makes anyone absent or present
	// (rule 9).
	PointOutage bool
	// Now is the clock: roll calls still open at Now are not yet missed.
	Now time.Time
}

// Result is an invitation's outcome. Late and LeftEarly are set on their own, so a
// member who came late and left early is StatusLeftEarly with Late set; for a
// delegation they describe the substitute.
type Result struct {
	Status    Status
	Flags     []Flag
	Late      bool
	LeftEarly bool
	// MissedRollCallID is the last roll call the attendee missed when that made them
	// left early; 0 otherwise.
	MissedRollCallID int64
	// Outage is the input's PointOutage, shown apart from the outcome.
	Outage bool
}

// Has reports whether r carries flag f.
func (r Result) Has(f Flag) bool {
	for _, g := range r.Flags {
		if g == f {
			return true
		}
	}
	return false
}

// Outcome decides one invitation of conference c (docs/design.md §6, §9, §10, §12, §13, §15). In
// order:
//
//  1. An exempt member is StatusExempt, whatever they did.
//  2. A check-in that was not undone makes the member present; late when it was after
//     start + late grace (exactly at it is on time); left early when they checked out
//     before end − early-leave grace (exactly at it is not early) or did not answer the
//     last roll call covering their point that started at or after their arrival (and
//     before any checkout) and had closed by Now. Left early wins over late as the
//     status; both booleans are set.
//  3. An approved delegation whose substitute checked in is StatusDelegated, with the
//     substitute's late, left-early and flags (no_materials if the substitute opened
//     nothing).
//  4. An approved absence request is StatusExcused.
//  5. A pending absence request or a pending delegation is StatusPending, and stays so
//     once the conference is closed: the member asked in writing and nobody decided, so
//     the absence is neither excused nor unexcused. It counts as expected and not
//     attended, never as unexcused (docs/design.md §5, §10.5).
//  6. Anything else is StatusUnexcused: no request, a rejected one, or an approved
//     delegation whose substitute did not come.
//
// The outcome is final once the conference is closed. Before that it is the state so
// far: a member who has simply not arrived yet is unexcused-so-far (the live roster
// shows them as missing), and becomes present when they check in.
func Outcome(c *Conference, in OutcomeInput) Result {
	r := Result{Outage: in.PointOutage}
	if in.Invitation.Exempt {
		r.Status = StatusExempt
		return r
	}
	if ci := in.CheckIn; ci != nil && ci.Active() {
		r.attend(c, in.Invitation.PointID, ci, in.RollCalls, in.Answered, in.Now)
		r.materials(in.HasDocuments, in.OpenedMaterials)
		switch {
		case r.LeftEarly:
			r.Status = StatusLeftEarly
		case r.Late:
			r.Status = StatusLate
		default:
			r.Status = StatusPresent
		}
		return r
	}
	d := in.Delegation
	if d != nil && d.Status == DecisionApproved && in.SubstituteCheckIn != nil && in.SubstituteCheckIn.Active() {
		r.attend(c, in.Invitation.PointID, in.SubstituteCheckIn, in.RollCalls, in.SubstituteAnswered, in.Now)
		r.materials(in.HasDocuments, in.SubstituteOpenedMaterials)
		r.Status = StatusDelegated
		return r
	}
	a := in.Absence
	switch {
	case a != nil && a.Status == DecisionApproved:
		r.Status = StatusExcused
	case a != nil && a.Status == DecisionPending || d != nil && d.Status == DecisionPending:
		r.Status = StatusPending
	default:
		r.Status = StatusUnexcused
	}
	return r
}

// attend sets lateness, leaving early and the check-in's flags.
func (r *Result) attend(c *Conference, invitedPoint int64, ci *CheckIn, rcs []RollCall, answered map[int64]bool, now time.Time) {
	r.Late = c.IsLate(ci.At)
	if ci.CheckedOutAt != nil && c.LeavesEarly(*ci.CheckedOutAt) {
		r.LeftEarly = true
	} else if rc := lastRollCall(ci, rcs, now); rc != nil && !answered[rc.ID] {
		r.LeftEarly, r.MissedRollCallID = true, rc.ID
	}
	if ci.PointID != invitedPoint {
		r.Flags = append(r.Flags, FlagWrongPoint)
	}
	if ci.Method == MethodManual {
		r.Flags = append(r.Flags, FlagManual)
	}
	if ci.SharedDevice && !ci.Confirmed {
		r.Flags = append(r.Flags, FlagSharedDevice)
	}
	if ci.Method == MethodStatic {
		r.Flags = append(r.Flags, FlagStaticQR)
	}
}

func (r *Result) materials(hasDocuments, opened bool) {
	if hasDocuments && !opened {
		r.Flags = append(r.Flags, FlagNoMaterials)
	}
}

// lastRollCall is the roll call that judges whether an attendee stayed: the latest
// (by start) covering the point of the check-in, started at or after the arrival and
// before any checkout, and closed by now. Nil if there is none.
func lastRollCall(ci *CheckIn, rcs []RollCall, now time.Time) *RollCall {
	var last *RollCall
	for i := range rcs {
		rc := &rcs[i]
		switch {
		case !rc.Covers(ci.PointID), rc.StartedAt.Before(ci.At), now.Before(rc.EndsAt):
			continue
		case ci.CheckedOutAt != nil && !rc.StartedAt.Before(*ci.CheckedOutAt):
			continue
		}
		if last == nil || rc.StartedAt.After(last.StartedAt) || rc.StartedAt.Equal(last.StartedAt) && rc.ID > last.ID {
			last = rc
		}
	}
	return last
}

// InvitationOutcome is an invitation with its outcome and the records that decided it.
type InvitationOutcome struct {
	Invitation InvitationView
	Result
	CheckIn           *CheckIn
	Absence           *AbsenceRequest
	Delegation        *Delegation
	SubstituteCheckIn *CheckIn
}

// DefaultRepeatThreshold is how many unexcused absences in a calendar year flag a
// member (Quy định 24-QĐ/TW mục 8.1: three months without a valid reason).
const DefaultRepeatThreshold = 3

// RepeatAbsentee is a member with at least the threshold of unexcused absences in a
// calendar year, with every outcome of theirs that year.
type RepeatAbsentee struct {
	MemberID       int64
	MemberCode     string
	FullName       string
	OrganizationID int64
	Unexcused      int
	History        []MemberOutcome // in date order
}

// MemberOutcome is one member's outcome at one closed conference.
type MemberOutcome struct {
	ConferenceID int64
	Title        string
	StartsAt     time.Time
	PointID      int64
	Status       Status
	AbsenceID    int64 // the request behind the outcome, if any
}
