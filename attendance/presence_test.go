package attendance

import (
	"testing"
	"time"
)

func TestChairRule(t *testing.T) {
	// The point belongs to chi bộ 1 and 2; chi bộ 3 sits under chi bộ 1's đảng bộ and
	// is not the point's.
	orgs := []int64{1, 2}
	sec := Member{ID: 1, FullName: "Bí thư", Position: PositionSecretary, OrganizationID: 1}
	dep := Member{ID: 2, FullName: "Phó bí thư", Position: PositionDeputy, OrganizationID: 1}
	mem := Member{ID: 3, FullName: "Đảng viên", Position: PositionMember, OrganizationID: 1}
	sec2 := Member{ID: 4, FullName: "Bí thư chi bộ 2", Position: PositionSecretary, OrganizationID: 2}
	dep2 := Member{ID: 5, FullName: "Phó bí thư chi bộ 2", Position: PositionDeputy, OrganizationID: 2}
	secX := Member{ID: 6, FullName: "Bí thư chi bộ khác", Position: PositionSecretary, OrganizationID: 3}
	in := func(m Member) ChairAttendee { return ChairAttendee{Member: m, Present: true} }
	away := func(m Member) ChairAttendee { return ChairAttendee{Member: m} }
	left := func(m Member) ChairAttendee { return ChairAttendee{Member: m, Present: true, LeftEarly: true} }
	tests := []struct {
		name      string
		console   *Member
		attendees []ChairAttendee
		wantChair string
		want      ChairStatus
	}{
		{"nobody", nil, []ChairAttendee{away(sec), away(dep), in(mem)}, "", ChairNone},
		{"secretary chairs", &sec, []ChairAttendee{in(sec), in(dep)}, "Bí thư", ChairOK},
		{"deputy chairs, secretary away", &dep, []ChairAttendee{away(sec), in(dep)}, "Phó bí thư", ChairOK},
		{"deputy chairs, secretary present", &dep, []ChairAttendee{in(sec), in(dep)}, "Phó bí thư", ChairSecretaryIdle},
		{"a member chairs, secretary away", &mem, []ChairAttendee{away(sec), in(dep), in(mem)}, "Đảng viên", ChairNotAuthorized},
		{"a member chairs, secretary present", &mem, []ChairAttendee{in(sec), in(mem)}, "Đảng viên", ChairSecretaryIdle},
		{"point without officers, someone chairs", &mem, nil, "Đảng viên", ChairNotAuthorized},
		{"secretary at the console without checking in", &sec, []ChairAttendee{away(sec), in(dep)}, "Bí thư", ChairOK},
		{"secretary at the console, not invited", &sec, nil, "Bí thư", ChairOK},
		// Left early (docs/design.md §9.2): the secretary did not chair to the end.
		{"secretary chairs and leaves early", &sec, []ChairAttendee{left(sec), in(dep)}, "Bí thư", ChairLeftEarly},
		{"secretary leaves early, deputy takes over", &dep, []ChairAttendee{left(sec), in(dep)}, "Phó bí thư", ChairLeftEarly},
		{"deputy chairs alone and leaves early", &dep, []ChairAttendee{away(sec), left(dep)}, "Phó bí thư", ChairLeftEarly},
		{"a member chairs, the secretary left early", &mem, []ChairAttendee{left(sec), in(mem)}, "Đảng viên", ChairNotAuthorized},
		// Without a console, the rule names the chair from who is present.
		{"no console, secretary present", nil, []ChairAttendee{in(dep), in(sec)}, "Bí thư", ChairOK},
		{"no console, deputy present, secretary away", nil, []ChairAttendee{away(sec), in(dep)}, "Phó bí thư", ChairOK},
		{"no console, secretary left early", nil, []ChairAttendee{left(sec), in(dep)}, "Bí thư", ChairLeftEarly},
		{"no console, one secretary left early, the other stayed", nil, []ChairAttendee{left(sec), in(sec2)}, "Bí thư chi bộ 2", ChairOK},
		{"no console, only a member present", nil, []ChairAttendee{in(mem)}, "", ChairNone},
		// A point of several chi bộ: one of their secretaries chairs; the others
		// present are no breach.
		{"shared point, the other cell's secretary chairs", &sec2, []ChairAttendee{in(sec), in(sec2), in(dep)}, "Bí thư chi bộ 2", ChairOK},
		{"shared point, a deputy chairs while another cell's secretary is in", &dep, []ChairAttendee{away(sec), in(sec2), in(dep)},
			"Phó bí thư", ChairSecretaryIdle},
		{"shared point, deputies only", &dep2, []ChairAttendee{away(sec), away(sec2), in(dep), in(dep2)}, "Phó bí thư chi bộ 2", ChairOK},
		// An officer of an organization that is not the point's does not count.
		{"another organization's secretary present", &dep, []ChairAttendee{away(sec), in(dep), in(secX)}, "Phó bí thư", ChairOK},
		{"another organization's secretary at the console", &secX, []ChairAttendee{away(sec), in(dep)}, "Bí thư chi bộ khác", ChairNotAuthorized},
		{"no console, only another organization's secretary", nil, []ChairAttendee{in(secX)}, "", ChairNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ChairRule(ChairInput{Organizations: orgs, Console: tt.console, Attendees: tt.attendees})
			chair := ""
			if v.Chair != nil {
				chair = v.Chair.FullName
			}
			if v.Status != tt.want || chair != tt.wantChair {
				t.Errorf("ChairRule() = %s chaired by %q, want %s by %q", v.Status, chair, tt.want, tt.wantChair)
			}
		})
	}
}

func TestChairStatus_Flagged(t *testing.T) {
	for s, want := range map[ChairStatus]bool{ChairOK: false, ChairNone: false, ChairNotAuthorized: true,
		ChairSecretaryIdle: true, ChairLeftEarly: true} {
		if s.Flagged() != want {
			t.Errorf("%s.Flagged() = %v, want %v", s, !want, want)
		}
	}
}

func TestPresenceInterval_OutageDuring(t *testing.T) {
	start := time.Date(2026, 2, 7, 1, 0, 0, 0, time.UTC)
	c := Conference{StartsAt: start, EndsAt: start.Add(3 * time.Hour)}
	ended := start.Add(time.Hour)
	at := func(d time.Duration) *time.Time { t := start.Add(d); return &t }
	tests := []struct {
		name   string
		ended  *time.Time
		end    *time.Time
		reason string
		want   bool
	}{
		{"open", nil, nil, "", false},
		{"dropped while held", nil, at(30 * time.Minute), EndICEFailed, true},
		{"dropped at the start", nil, at(0), EndHeartbeatTimeout, true},
		{"closed before the start", nil, at(-time.Minute), EndClosed, false},
		{"closed at the scheduled end", nil, at(3 * time.Hour), EndClosed, false},
		{"server shutdown while held", nil, at(time.Hour), EndShutdown, false},
		{"replaced while held", nil, at(time.Hour), EndReplaced, false},
		{"closed after the organizer ended it", &ended, at(61 * time.Minute), EndHeartbeatTimeout, false},
		{"dropped before the organizer ended it", &ended, at(59 * time.Minute), EndICEFailed, true},
		{"ended later than scheduled: the schedule's end holds", at(4 * time.Hour), at(3*time.Hour + time.Minute), EndICEFailed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := c
			c.EndedAt = tt.ended
			p := PresenceInterval{StartedAt: start.Add(-time.Hour), EndedAt: tt.end, EndReason: tt.reason}
			if got := p.OutageDuring(&c); got != tt.want {
				t.Errorf("OutageDuring() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCovering(t *testing.T) {
	a, b := int64(1), int64(2)
	open := []RollCall{{ID: 3, PointID: &b}, {ID: 2}, {ID: 1, PointID: &a}} // newest first
	for _, tt := range []struct {
		point int64
		want  int64
	}{{1, 2}, {2, 3}, {9, 2}} {
		if got, ok := Covering(open, tt.point); !ok || got.ID != tt.want {
			t.Errorf("Covering(point %d) = %d, %v; want %d", tt.point, got.ID, ok, tt.want)
		}
	}
	if _, ok := Covering(open[2:], 2); ok {
		t.Errorf("a roll call of point 1 covers point 2")
	}
}
