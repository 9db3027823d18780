package attendance

import (
	"slices"
	"testing"
	"time"
)

// The test conference runs 08:00–11:00 with 10 minutes of late and early-leave grace.
// Members are invited at point 1; point 2 is another room.
const (
	testPoint  = 1
	otherPoint = 2
)

func conf(start time.Time) *Conference {
	return &Conference{ID: 1, StartsAt: start, EndsAt: start.Add(3 * time.Hour), CheckinLead: 30 * time.Minute,
		LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute, Status: StatusLive}
}

func withStatus(c *Conference, s ConferenceStatus) *Conference { c.Status = s; return c }

// at is an active QR check-in at the invited point at t.
func at(t time.Time) *CheckIn {
	return &CheckIn{ID: 1, ConferenceID: 1, MemberID: 10, PointID: testPoint, At: t, Method: MethodQR}
}

// with changes a check-in.
func with(ci *CheckIn, change func(*CheckIn)) *CheckIn { change(ci); return ci }

func out(ci *CheckIn, t time.Time) *CheckIn {
	return with(ci, func(c *CheckIn) { c.CheckedOutAt = &t })
}

func absence(s DecisionStatus) *AbsenceRequest {
	return &AbsenceRequest{ID: 7, ConferenceID: 1, MemberID: 10, Decision: Decision{Status: s}}
}

func approved() *AbsenceRequest { return absence(DecisionApproved) }

func delegation(s DecisionStatus) *Delegation {
	return &Delegation{ID: 8, ConferenceID: 1, MemberID: 10, SubstituteID: 11, Decision: Decision{Status: s}}
}

// substitute is the substitute's check-in at t.
func substitute(t time.Time) *CheckIn {
	ci := at(t)
	ci.ID, ci.MemberID = 2, 11
	return ci
}

// rollCall is a roll call of all points opening at t for 5 minutes.
func rollCall(id int64, t time.Time) RollCall {
	return RollCall{ID: id, ConferenceID: 1, StartedAt: t, EndsAt: t.Add(DefaultRollCallWindow)}
}

func invited(exempt bool) InvitationView {
	return InvitationView{Invitation: Invitation{ID: 5, ConferenceID: 1, MemberID: 10, PointID: testPoint}, Exempt: exempt}
}

func TestOutcome(t *testing.T) {
	start := time.Date(2026, 2, 7, 8, 0, 0, 0, time.UTC)
	end := start.Add(3 * time.Hour)
	grace := start.Add(10 * time.Minute)
	leave := end.Add(-10 * time.Minute)
	after := end.Add(time.Hour) // the default clock: every roll call has closed
	rc1, rc2 := rollCall(1, start.Add(time.Hour)), rollCall(2, start.Add(2*time.Hour))
	onPoint := func(rc RollCall, p int64) RollCall { rc.PointID = &p; return rc }
	tests := []struct {
		name  string
		conf  *Conference // nil: live
		in    OutcomeInput
		want  Status
		flags []Flag
	}{
		// Check-ins: present, late, left early (rule 2, 3).
		{name: "on time", in: OutcomeInput{CheckIn: at(start.Add(-5 * time.Minute))}, want: StatusPresent},
		{name: "exactly at start + grace is on time", in: OutcomeInput{CheckIn: at(grace)}, want: StatusPresent},
		{name: "one second after grace is late", in: OutcomeInput{CheckIn: at(grace.Add(time.Second))}, want: StatusLate},
		{name: "checkout exactly at end - grace is not early",
			in: OutcomeInput{CheckIn: out(at(start), leave)}, want: StatusPresent},
		{name: "checkout one second before end - grace is early",
			in: OutcomeInput{CheckIn: out(at(start), leave.Add(-time.Second))}, want: StatusLeftEarly},
		{name: "late and early is left early",
			in: OutcomeInput{CheckIn: out(at(grace.Add(time.Minute)), start.Add(time.Hour))}, want: StatusLeftEarly},
		{name: "missed the last roll call",
			in:   OutcomeInput{CheckIn: at(start), RollCalls: []RollCall{rc1, rc2}, Answered: map[int64]bool{1: true}},
			want: StatusLeftEarly},
		{name: "answered the last roll call",
			in:   OutcomeInput{CheckIn: at(start), RollCalls: []RollCall{rc1, rc2}, Answered: map[int64]bool{2: true}},
			want: StatusPresent},
		{name: "roll calls given out of order",
			in:   OutcomeInput{CheckIn: at(start), RollCalls: []RollCall{rc2, rc1}, Answered: map[int64]bool{1: true}},
			want: StatusLeftEarly},
		{name: "roll call before arrival not held against",
			in: OutcomeInput{CheckIn: at(start.Add(90 * time.Minute)), RollCalls: []RollCall{rc1}}, want: StatusLate},
		{name: "roll call started at the arrival counts",
			in: OutcomeInput{CheckIn: at(rc1.StartedAt), RollCalls: []RollCall{rc1}}, want: StatusLeftEarly},
		{name: "roll call still open is not yet missed",
			in:   OutcomeInput{CheckIn: at(start), RollCalls: []RollCall{rc2}, Now: rc2.EndsAt.Add(-time.Second)},
			want: StatusPresent},
		{name: "roll call closed at now is missed",
			in: OutcomeInput{CheckIn: at(start), RollCalls: []RollCall{rc2}, Now: rc2.EndsAt}, want: StatusLeftEarly},
		{name: "roll call of another point ignored",
			in: OutcomeInput{CheckIn: at(start), RollCalls: []RollCall{onPoint(rc2, otherPoint)}}, want: StatusPresent},
		{name: "roll call of the point checked in at counts",
			in: OutcomeInput{CheckIn: with(at(start), func(c *CheckIn) { c.PointID = otherPoint }),
				RollCalls: []RollCall{onPoint(rc2, otherPoint)}},
			want: StatusLeftEarly, flags: []Flag{FlagWrongPoint}},
		{name: "roll call after a late checkout ignored",
			in: OutcomeInput{CheckIn: out(at(start), leave.Add(time.Minute)),
				RollCalls: []RollCall{rollCall(3, leave.Add(2*time.Minute))}},
			want: StatusPresent},
		{name: "undone check-in is no check-in",
			in: OutcomeInput{CheckIn: with(at(start), func(c *CheckIn) { c.UndoneAt = &start })}, want: StatusUnexcused},

		// Exempt members are listed apart (rule 1).
		{name: "exempt", in: OutcomeInput{Invitation: invited(true)}, want: StatusExempt},
		{name: "exempt even when present", in: OutcomeInput{Invitation: invited(true), CheckIn: at(start)}, want: StatusExempt},

		// Absences (rule 6).
		{name: "approved leave", in: OutcomeInput{Absence: approved()}, want: StatusExcused},
		{name: "approved leave at close", conf: withStatus(conf(start), StatusClosed),
			in: OutcomeInput{Absence: approved()}, want: StatusExcused},
		{name: "pending leave while live", in: OutcomeInput{Absence: absence(DecisionPending)}, want: StatusPending},
		{name: "pending leave after the end, not closed", conf: withStatus(conf(start), StatusEnded),
			in: OutcomeInput{Absence: absence(DecisionPending)}, want: StatusPending},
		// docs/design.md §10.5: nobody decided it; the member asked in writing, so the
		// absence is not unexcused, and the report names it pending.
		{name: "pending leave at close stays pending", conf: withStatus(conf(start), StatusClosed),
			in: OutcomeInput{Absence: absence(DecisionPending)}, want: StatusPending},
		{name: "rejected leave", in: OutcomeInput{Absence: absence(DecisionRejected)}, want: StatusUnexcused},
		{name: "no request", in: OutcomeInput{}, want: StatusUnexcused},
		{name: "not arrived yet is unexcused so far", conf: withStatus(conf(start), StatusScheduled),
			in: OutcomeInput{Now: start.Add(-time.Hour)}, want: StatusUnexcused},
		{name: "came despite approved leave", in: OutcomeInput{CheckIn: at(start), Absence: approved()}, want: StatusPresent},

		// Delegation (rule 7).
		{name: "delegated",
			in: OutcomeInput{Delegation: delegation(DecisionApproved), SubstituteCheckIn: substitute(start),
				HasDocuments: true, SubstituteOpenedMaterials: true},
			want: StatusDelegated},
		{name: "delegated, substitute never opened the materials",
			in: OutcomeInput{Delegation: delegation(DecisionApproved), SubstituteCheckIn: substitute(start),
				HasDocuments: true, OpenedMaterials: true},
			want: StatusDelegated, flags: []Flag{FlagNoMaterials}},
		{name: "delegated, substitute at another point by hand",
			in: OutcomeInput{Delegation: delegation(DecisionApproved),
				SubstituteCheckIn: with(substitute(start), func(c *CheckIn) { c.PointID, c.Method = otherPoint, MethodManual })},
			want: StatusDelegated, flags: []Flag{FlagWrongPoint, FlagManual}},
		{name: "delegation approved, substitute absent",
			in: OutcomeInput{Delegation: delegation(DecisionApproved)}, want: StatusUnexcused},
		{name: "delegation approved, substitute undone",
			in: OutcomeInput{Delegation: delegation(DecisionApproved),
				SubstituteCheckIn: with(substitute(start), func(c *CheckIn) { c.UndoneAt = &start })},
			want: StatusUnexcused},
		{name: "delegation approved, substitute absent, leave approved",
			in: OutcomeInput{Delegation: delegation(DecisionApproved), Absence: approved()}, want: StatusExcused},
		{name: "delegation pending while live",
			in: OutcomeInput{Delegation: delegation(DecisionPending), SubstituteCheckIn: substitute(start)}, want: StatusPending},
		{name: "delegation pending at close stays pending", conf: withStatus(conf(start), StatusClosed),
			in: OutcomeInput{Delegation: delegation(DecisionPending), SubstituteCheckIn: substitute(start)}, want: StatusPending},
		{name: "delegation rejected, substitute came",
			in: OutcomeInput{Delegation: delegation(DecisionRejected), SubstituteCheckIn: substitute(start)}, want: StatusUnexcused},
		{name: "own check-in wins over delegation",
			in:   OutcomeInput{CheckIn: at(start), Delegation: delegation(DecisionApproved), SubstituteCheckIn: substitute(start)},
			want: StatusPresent},

		// Flags (rule 4).
		{name: "wrong point", in: OutcomeInput{CheckIn: with(at(start), func(c *CheckIn) { c.PointID = otherPoint })},
			want: StatusPresent, flags: []Flag{FlagWrongPoint}},
		{name: "manual", in: OutcomeInput{CheckIn: with(at(start), func(c *CheckIn) { c.Method = MethodManual })},
			want: StatusPresent, flags: []Flag{FlagManual}},
		{name: "shared device", in: OutcomeInput{CheckIn: with(at(start), func(c *CheckIn) { c.SharedDevice = true })},
			want: StatusPresent, flags: []Flag{FlagSharedDevice}},
		{name: "shared device confirmed by the chair",
			in:   OutcomeInput{CheckIn: with(at(start), func(c *CheckIn) { c.SharedDevice, c.Confirmed = true, true })},
			want: StatusPresent},
		{name: "static qr", in: OutcomeInput{CheckIn: with(at(start), func(c *CheckIn) { c.Method = MethodStatic })},
			want: StatusPresent, flags: []Flag{FlagStaticQR}},
		{name: "no materials", in: OutcomeInput{CheckIn: at(start), HasDocuments: true},
			want: StatusPresent, flags: []Flag{FlagNoMaterials}},
		{name: "materials opened", in: OutcomeInput{CheckIn: at(start), HasDocuments: true, OpenedMaterials: true},
			want: StatusPresent},
		{name: "no documents, nothing to open", in: OutcomeInput{CheckIn: at(start)}, want: StatusPresent},
		{name: "every flag in order",
			in: OutcomeInput{HasDocuments: true, CheckIn: with(at(grace.Add(time.Second)), func(c *CheckIn) {
				c.PointID, c.Method, c.SharedDevice = otherPoint, MethodStatic, true
			})},
			want: StatusLate, flags: []Flag{FlagWrongPoint, FlagSharedDevice, FlagStaticQR, FlagNoMaterials}},

		// Outages are shown apart, never turned into absence or presence (rule 9).
		{name: "outage does not excuse", in: OutcomeInput{PointOutage: true}, want: StatusUnexcused},
		{name: "outage does not make absent", in: OutcomeInput{PointOutage: true, CheckIn: at(start)}, want: StatusPresent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.conf
			if c == nil {
				c = conf(start)
			}
			if tt.in.Invitation.ID == 0 {
				tt.in.Invitation = invited(false)
			}
			if tt.in.Now.IsZero() {
				tt.in.Now = after
			}
			got := Outcome(c, tt.in)
			if got.Status != tt.want {
				t.Errorf("Outcome() = %v, want %v", got.Status, tt.want)
			}
			if !slices.Equal(got.Flags, tt.flags) {
				t.Errorf("Outcome() flags = %v, want %v", got.Flags, tt.flags)
			}
			if got.Outage != tt.in.PointOutage {
				t.Errorf("Outcome() outage = %v, want %v", got.Outage, tt.in.PointOutage)
			}
		})
	}
}

func TestOutcome_Details(t *testing.T) {
	start := time.Date(2026, 2, 7, 8, 0, 0, 0, time.UTC)
	now := start.Add(4 * time.Hour)
	rc := rollCall(4, start.Add(2*time.Hour))
	t.Run("late and left early", func(t *testing.T) {
		got := Outcome(conf(start), OutcomeInput{Invitation: invited(false), Now: now,
			CheckIn: out(at(start.Add(30*time.Minute)), start.Add(time.Hour))})
		if got.Status != StatusLeftEarly || !got.Late || !got.LeftEarly || got.MissedRollCallID != 0 {
			t.Errorf("got %+v, want left early, late, by checkout", got)
		}
	})
	t.Run("missed roll call named", func(t *testing.T) {
		got := Outcome(conf(start), OutcomeInput{Invitation: invited(false), Now: now, CheckIn: at(start),
			RollCalls: []RollCall{rc}})
		if got.Status != StatusLeftEarly || got.Late || got.MissedRollCallID != rc.ID {
			t.Errorf("got %+v, want left early by roll call %d", got, rc.ID)
		}
	})
	t.Run("substitute's roll call answers count", func(t *testing.T) {
		in := OutcomeInput{Invitation: invited(false), Now: now, Delegation: delegation(DecisionApproved),
			SubstituteCheckIn: substitute(start.Add(11 * time.Minute)), RollCalls: []RollCall{rc},
			Answered: map[int64]bool{rc.ID: true}}
		got := Outcome(conf(start), in)
		if got.Status != StatusDelegated || !got.Late || !got.LeftEarly {
			t.Errorf("member's answer credited to the substitute: got %+v", got)
		}
		in.SubstituteAnswered = map[int64]bool{rc.ID: true}
		if got := Outcome(conf(start), in); got.LeftEarly {
			t.Errorf("substitute answered: got %+v, want not left early", got)
		}
	})
}
