package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
	"gorm.io/gorm"
)

// countStatements counts the statements db runs while fn runs.
func countStatements(t *testing.T, db *sqlstore.DB, fn func()) int64 {
	t.Helper()
	var n atomic.Int64
	var on atomic.Bool
	count := func(*gorm.DB) {
		if on.Load() {
			n.Add(1)
		}
	}
	cb := db.Gorm().Callback()
	name := fmt.Sprintf("test:count:%p", t)
	for _, err := range []error{
		cb.Query().After("gorm:query").Register(name, count),
		cb.Row().After("gorm:row").Register(name, count),
		cb.Raw().After("gorm:raw").Register(name, count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	on.Store(true)
	fn()
	on.Store(false)
	return n.Load()
}

// TestDB_ConferenceOutcomes decides a generated conference of 2,000 invitations over
// 20 points, where member i behaves by i mod 10 (see the table), and expects every
// outcome, flag and the rate, from a fixed handful of queries.
func TestDB_ConferenceOutcomes(t *testing.T) {
	clk := &movableClock{t: t0.Add(-time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-time.Hour))
		g := db.Gorm().WithContext(ctx)
		const points, perPoint = 20, 100
		root := mustOrg(t, db, nil, "R", "Đảng bộ Khối", attendance.KindDangBo)
		var members []attendance.Member
		var cells []attendance.Organization
		for p := range points {
			cells = append(cells, mustOrg(t, db, &root.ID, fmt.Sprintf("CB%02d", p), fmt.Sprintf("Chi bộ %02d", p), attendance.KindChiBo))
			for k := range perPoint {
				i := p*perPoint + k
				members = append(members, attendance.Member{Code: fmt.Sprintf("DV%05d", i), FullName: fmt.Sprintf("Đảng viên %05d", i),
					OrganizationID: cells[p].ID, Position: attendance.PositionMember, Exempt: i%10 == 9, Active: true})
			}
		}
		if err := g.CreateInBatches(&members, 500).Error; err != nil {
			t.Fatal(err)
		}
		conf := attendance.Conference{Title: "Hội nghị toàn tỉnh", StartsAt: t0, EndsAt: t0.Add(3 * time.Hour),
			CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
		if err := db.CreateConference(ctx, &conf); err != nil {
			t.Fatal(err)
		}
		pts := make([]attendance.Point, points)
		for p := range points {
			pts[p] = attendance.Point{ConferenceID: conf.ID, Name: fmt.Sprintf("Điểm cầu %02d", p), OrganizationIDs: []int64{cells[p].ID}}
			if err := db.CreatePoint(ctx, &pts[p]); err != nil {
				t.Fatal(err)
			}
		}
		doc := attendance.Document{ConferenceID: conf.ID, Title: "Tài liệu", FileName: "tl.pdf", ContentType: "application/pdf",
			Data: []byte("%PDF-1.7")}
		if err := db.CreateDocument(ctx, &doc); err != nil {
			t.Fatal(err)
		}
		clk.Set(t0.Add(-20 * time.Minute))
		if _, err := db.TransitionConference(ctx, conf.ID, "start"); err != nil {
			t.Fatal(err)
		}

		// Member i by i mod 10:
		//   0 on time, answers, reads        → present
		//   1 by hand, answers, reads        → present, manual
		//   2 on time, misses the roll call  → left_early, no_materials
		//   3 late, answers                  → late, no_materials
		//   4 checks out at 09:00            → left_early, no_materials
		//   5 absent, approved request       → excused
		//   6 absent, pending request        → pending (still pending once closed)
		//   7 absent                         → unexcused
		//   8 at the next point, answers, reads → present, wrong_point
		//   9 exempt                         → exempt
		var cis []attendance.CheckIn
		var reads []attendance.ReadReceipt
		var absences []attendance.AbsenceRequest
		answers := map[int64]int64{} // member → point answered from
		for i, m := range members {
			p := pts[i/perPoint].ID
			ci := attendance.CheckIn{ConferenceID: conf.ID, MemberID: m.ID, PointID: p, At: t0.Add(-5 * time.Minute),
				Method: attendance.MethodQR, DeviceID: "d-" + m.Code, UpdatedAt: t0}
			switch i % 10 {
			case 1:
				ci.Method, ci.Reason = attendance.MethodManual, "Quên điện thoại"
			case 3:
				ci.At = t0.Add(11 * time.Minute)
			case 4:
				out := t0.Add(time.Hour)
				ci.CheckedOutAt = &out
			case 5, 6:
				st := attendance.DecisionApproved
				if i%10 == 6 {
					st = attendance.DecisionPending
				}
				absences = append(absences, attendance.AbsenceRequest{ConferenceID: conf.ID, MemberID: m.ID,
					Kind: attendance.KindRequest, Category: attendance.CategoryCongTac, Reason: "Công tác",
					Decision: attendance.Decision{Status: st}})
				continue
			case 7, 9:
				continue
			case 8:
				ci.PointID = pts[(i/perPoint+1)%points].ID
			}
			cis = append(cis, ci)
			switch i % 10 {
			case 0, 1, 8:
				reads = append(reads, attendance.ReadReceipt{DocumentID: doc.ID, MemberID: m.ID, PointID: ci.PointID,
					FirstAt: t0, LastAt: t0, Opens: 1})
				answers[m.ID] = ci.PointID
			case 3:
				answers[m.ID] = ci.PointID
			}
		}
		for _, rows := range []any{&cis, &reads, &absences} {
			if err := g.CreateInBatches(rows, 500).Error; err != nil {
				t.Fatal(err)
			}
		}
		clk.Set(t0.Add(time.Hour))
		rc, err := db.StartRollCall(ctx, conf.ID, 0, 5*time.Minute, attendance.Principal{AccountID: 1, Role: attendance.RoleOrganizer})
		if err != nil {
			t.Fatal(err)
		}
		var ans []attendance.RollCallAnswer
		for m, p := range answers {
			ans = append(ans, attendance.RollCallAnswer{RollCallID: rc.ID, MemberID: m, PointID: p, At: rc.StartedAt.Add(time.Minute)})
		}
		if err := g.CreateInBatches(&ans, 500).Error; err != nil {
			t.Fatal(err)
		}
		// Point 00's console went dark for a while.
		down := t0.Add(30 * time.Minute)
		outage := attendance.PresenceInterval{ConferenceID: conf.ID, PointID: pts[0].ID, ConnID: "conn-1", StartedAt: t0.Add(-30 * time.Minute),
			EndedAt: &down, EndReason: attendance.EndICEFailed, LastSeenAt: down}
		if err := g.Create(&outage).Error; err != nil {
			t.Fatal(err)
		}

		clk.Set(t0.Add(2 * time.Hour))
		var got []attendance.InvitationOutcome
		queries := countStatements(t, db, func() {
			got, err = db.ConferenceOutcomes(ctx, conf.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if queries == 0 || queries > 12 {
			t.Errorf("ConferenceOutcomes ran %d statements, want a fixed handful (≤ 12)", queries)
		}
		t.Logf("ConferenceOutcomes: %d statements for %d invitations", queries, points*perPoint)
		if len(got) != points*perPoint {
			t.Fatalf("got %d outcomes, want %d", len(got), points*perPoint)
		}
		tally := func(os []attendance.InvitationOutcome) (map[attendance.Status]int, map[attendance.Flag]int) {
			st, fl := map[attendance.Status]int{}, map[attendance.Flag]int{}
			for _, o := range os {
				st[o.Status]++
				for _, f := range o.Flags {
					fl[f]++
				}
			}
			return st, fl
		}
		st, fl := tally(got)
		wantStatus := map[attendance.Status]int{attendance.StatusPresent: 600, attendance.StatusLeftEarly: 400,
			attendance.StatusLate: 200, attendance.StatusExcused: 200, attendance.StatusPending: 200,
			attendance.StatusUnexcused: 200, attendance.StatusExempt: 200}
		wantFlags := map[attendance.Flag]int{attendance.FlagManual: 200, attendance.FlagWrongPoint: 200, attendance.FlagNoMaterials: 600}
		if fmt.Sprint(st) != fmt.Sprint(wantStatus) {
			t.Errorf("statuses: got %v, want %v", st, wantStatus)
		}
		if fmt.Sprint(fl) != fmt.Sprint(wantFlags) {
			t.Errorf("flags: got %v, want %v", fl, wantFlags)
		}
		var counts attendance.Tally
		outages := 0
		for _, o := range got {
			counts.Add(o.Status)
			if o.Outage {
				outages++
				if o.Invitation.PointID != pts[0].ID {
					t.Errorf("outage at point %d, want only point 00", o.Invitation.PointID)
				}
			}
		}
		if outages != perPoint {
			t.Errorf("got %d outcomes with an outage, want %d", outages, perPoint)
		}
		if a, e := counts.Attended(), counts.Expected(); a != 1200 || e != 1800 {
			t.Errorf("attended/expected = %d/%d, want 1200/1800", a, e)
		}
		if !slices.IsSortedFunc(got, func(a, b attendance.InvitationOutcome) int {
			return strings.Compare(a.Invitation.PointName+a.Invitation.FullName, b.Invitation.PointName+b.Invitation.FullName)
		}) {
			t.Error("outcomes not in point and name order")
		}
		for _, o := range got {
			if o.Status == attendance.StatusLeftEarly && o.CheckIn.CheckedOutAt == nil && o.MissedRollCallID != rc.ID {
				t.Errorf("%s: left early without naming roll call %d", o.Invitation.MemberCode, rc.ID)
				break
			}
		}

		t.Run("closed: pending stays pending", func(t *testing.T) {
			clk.Set(t0.Add(4 * time.Hour))
			for _, a := range []string{"end", "close"} {
				if _, err := db.TransitionConference(ctx, conf.ID, a); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.ConferenceOutcomes(ctx, conf.ID)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := tally(got)
			if st[attendance.StatusPending] != 200 || st[attendance.StatusUnexcused] != 200 || st[attendance.StatusExcused] != 200 {
				t.Errorf("got %v; want 200 pending (never decided, not unexcused), 200 unexcused, 200 excused", st)
			}
		})
	})
}

// TestDB_RepeatAbsentees runs three closed conferences in 2026, one closed in the first
// hours of 2027 Vietnam time (still 2026 in UTC) and one 2026 conference left open.
func TestDB_RepeatAbsentees(t *testing.T) {
	clk := &movableClock{t: t0}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0)
		root := mustOrg(t, db, nil, "R", "Đảng bộ Khối", attendance.KindDangBo)
		cell := mustOrg(t, db, &root.ID, "A", "Chi bộ A", attendance.KindChiBo)
		sec := mustMember(t, db, cell.ID, "A0", "Bí thư An", attendance.PositionSecretary)
		m1 := mustMember(t, db, cell.ID, "A1", "Bùi Văn Một", attendance.PositionMember)
		m2 := mustMember(t, db, cell.ID, "A2", "Cao Thị Hai", attendance.PositionMember)
		m5 := mustMember(t, db, cell.ID, "A5", "Đinh Văn Năm", attendance.PositionMember)
		ex := attendance.Member{Code: "A9", FullName: "Lò Văn Miễn", OrganizationID: cell.ID, Position: attendance.PositionMember,
			Exempt: true, Active: true}
		if err := db.CreateMember(ctx, &ex, "123456"); err != nil {
			t.Fatal(err)
		}
		signIn := func(m attendance.Member) attendance.Principal {
			p, _, err := db.MemberSignIn(ctx, m.Code, "123456")
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		pSec, pM2, pM5 := signIn(sec), signIn(m2), signIn(m5)

		// run holds a conference starting at start: members file with file (before it
		// starts), those in present check in, then it ends and, if close, closes.
		run := func(start time.Time, present []attendance.Member, close bool, file func(c attendance.Conference)) attendance.Conference {
			t.Helper()
			clk.Set(start.Add(-2 * time.Hour))
			c := attendance.Conference{Title: "Sinh hoạt " + start.Format("2006-01-02"), StartsAt: start, EndsAt: start.Add(2 * time.Hour),
				CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
			if err := db.CreateConference(ctx, &c); err != nil {
				t.Fatal(err)
			}
			p := attendance.Point{ConferenceID: c.ID, Name: "Điểm cầu A", OrganizationIDs: []int64{cell.ID}}
			if err := db.CreatePoint(ctx, &p); err != nil {
				t.Fatal(err)
			}
			if file != nil {
				file(c)
			}
			clk.Set(start.Add(-5 * time.Minute))
			if _, err := db.TransitionConference(ctx, c.ID, "start"); err != nil {
				t.Fatal(err)
			}
			for _, m := range present {
				in := attendance.CheckInInput{ConferenceID: c.ID, PointID: p.ID, MemberID: m.ID, Method: attendance.MethodQR,
					Key: fmt.Sprintf("key-%04d-%04d", c.ID, m.ID), DeviceID: m.Code}
				if _, err := db.CheckIn(ctx, in); err != nil {
					t.Fatal(err)
				}
			}
			clk.Set(start.Add(3 * time.Hour))
			actions := []string{"end"}
			if close {
				actions = append(actions, "close")
			}
			for _, a := range actions {
				if _, err := db.TransitionConference(ctx, c.ID, a); err != nil {
					t.Fatal(err)
				}
			}
			return c
		}
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 1, 0, 0, 0, time.UTC) }
		everyone := []attendance.Member{sec, m1, m2, m5}
		except := func(out ...attendance.Member) []attendance.Member {
			var in []attendance.Member
			for _, m := range everyone {
				if !slices.ContainsFunc(out, func(o attendance.Member) bool { return o.ID == m.ID }) {
					in = append(in, m)
				}
			}
			return in
		}
		var excusedID int64
		c1 := run(day(2, 3), except(m1, m2, m5), true, nil)
		run(day(3, 3), except(m1, m2, m5), true, func(c attendance.Conference) {
			a := mustFile(t, db, pM5, attendance.AbsenceInput{ConferenceID: c.ID, Category: attendance.CategoryOmDau, Reason: "Ốm"})
			_ = a // never decided: pending at close, not unexcused (docs/design.md §10.5)
		})
		run(day(4, 7), except(m1, m2, m5), true, func(c attendance.Conference) {
			a := mustFile(t, db, pM2, attendance.AbsenceInput{ConferenceID: c.ID, Category: attendance.CategoryOmDau, Reason: "Ốm"})
			if _, err := db.DecideAbsence(ctx, pSec, a.ID, true, ""); err != nil {
				t.Fatal(err)
			}
			excusedID = a.ID
		})
		// 06:30 on 1 January 2027 in Vietnam is still 2026 in UTC.
		run(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), except(sec), true, nil)
		// Ended, not closed: not counted yet.
		run(day(6, 1), except(m1, m2, m5), false, nil)

		names := func(rs []attendance.RepeatAbsentee) string {
			var out []string
			for _, r := range rs {
				out = append(out, fmt.Sprintf("%s:%d", r.MemberCode, r.Unexcused))
			}
			return strings.Join(out, " ")
		}
		tests := []struct {
			name      string
			year, min int
			want      string
		}{
			{"default threshold", 2026, 0, "A1:3"},
			{"threshold 3", 2026, 3, "A1:3"},
			{"threshold 2", 2026, 2, "A1:3 A2:2 A5:2"},
			{"threshold 4", 2026, 4, ""},
			{"the new year in Vietnam", 2027, 1, "A0:1"},
			{"a year without conferences", 2025, 1, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.RepeatAbsentees(ctx, tt.year, tt.min)
				if err != nil {
					t.Fatal(err)
				}
				if names(got) != tt.want {
					t.Errorf("RepeatAbsentees(%d, %d) = %q, want %q", tt.year, tt.min, names(got), tt.want)
				}
			})
		}
		t.Run("history", func(t *testing.T) {
			got, err := db.RepeatAbsentees(ctx, 2026, 2)
			if err != nil {
				t.Fatal(err)
			}
			var h []attendance.MemberOutcome
			for _, r := range got {
				if r.MemberID == m2.ID {
					h = r.History
				}
			}
			if len(h) != 3 || h[0].ConferenceID != c1.ID || h[0].Status != attendance.StatusUnexcused ||
				h[2].Status != attendance.StatusExcused || h[2].AbsenceID != excusedID || h[2].Title == "" {
				t.Errorf("history of A2: got %+v", h)
			}
		})
	})
}

// BenchmarkConferenceOutcomes decides a conference of 100,000 invitations over 1,000
// points on PostgreSQL (DIEMCAU_TEST_DATABASE_URL), with check-ins, three roll calls
// and their answers, absence requests, delegations, read receipts and outages,
// against the target of a 100,000-invitee report in under 3 s (docs/design.md §22).
func BenchmarkConferenceOutcomes(b *testing.B) {
	base := os.Getenv(testdb.EnvURL)
	if base == "" {
		b.Skip("needs PostgreSQL: set " + testdb.EnvURL)
	}
	ctx := context.Background()
	now := t0.Add(2 * time.Hour)
	db := testdb.MustOpen(b, sqlstore.Config{URL: testdb.Schema(b, base), Now: func() time.Time { return now }})
	conf := attendance.Conference{Title: "Hội nghị toàn quốc", StartsAt: t0, EndsAt: t0.Add(3 * time.Hour),
		CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
	if err := db.CreateConference(ctx, &conf); err != nil {
		b.Fatal(err)
	}
	g := db.Gorm().WithContext(ctx)
	exec := func(sql string, args ...any) {
		b.Helper()
		if err := g.Exec(sql, args...).Error; err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO organizations (name, kind, code, created_at, updated_at)
		SELECT 'Chi bộ ' || g, 'chi_bo', 'CB' || g, now(), now() FROM generate_series(1, 1000) g`)
	exec(`INSERT INTO members (code, full_name, organization_id, position, exempt, phone, pin_hash, active, created_at, updated_at)
		SELECT 'DV' || g, 'Đảng viên ' || g, o.id, CASE WHEN g % 100 = 1 THEN 'secretary' ELSE 'member' END, g % 50 = 0,
			'', '', true, now(), now()
		FROM generate_series(1, 101000) g JOIN organizations o ON o.code = 'CB' || ((g - 1) % 1000 + 1)`)
	exec(`INSERT INTO points (conference_id, name, location, created_at, updated_at)
		SELECT ?, 'Điểm cầu ' || g, '', now(), now() FROM generate_series(1, 1000) g`, conf.ID)
	exec(`INSERT INTO point_organizations (point_id, organization_id)
		SELECT p.id, o.id FROM points p JOIN organizations o ON o.code = 'CB' || split_part(p.name, ' ', 3)
		WHERE p.conference_id = ?`, conf.ID)
	// 1,000 members (codes past 100,000) are left uninvited to serve as substitutes.
	exec(`UPDATE members SET active = false WHERE id > 100000`)
	if n, err := db.GenerateInvitations(ctx, conf.ID); err != nil || n != 100_000 {
		b.Fatalf("generated %d invitations, %v", n, err)
	}
	exec(`UPDATE members SET active = true WHERE id > 100000`)
	exec(`UPDATE conferences SET status = 'live', started_at = ? WHERE id = ?`, t0, conf.ID)
	exec(`INSERT INTO check_ins (conference_id, member_id, point_id, at, method, device_id, shared_device, confirmed, reason,
			moves, checked_out_at, checkout_reason, undo_reason, updated_at)
		SELECT i.conference_id, i.member_id, i.point_id, ?::timestamptz + (i.member_id % 30) * interval '1 minute',
			CASE WHEN i.member_id % 37 = 0 THEN 'manual' ELSE 'qr' END, 'dev' || i.member_id, i.member_id % 101 = 0, false, '',
			0, CASE WHEN i.member_id % 41 = 0 THEN ?::timestamptz END, '', '', now()
		FROM invitations i WHERE i.conference_id = ? AND i.member_id % 10 <> 7`, t0.Add(-10*time.Minute), t0.Add(time.Hour), conf.ID)
	exec(`INSERT INTO roll_calls (conference_id, started_at, ends_at)
		SELECT ?, ?::timestamptz + g * interval '30 minutes', ?::timestamptz + g * interval '30 minutes' + interval '5 minutes'
		FROM generate_series(1, 3) g`, conf.ID, t0, t0)
	exec(`INSERT INTO roll_call_answers (roll_call_id, member_id, point_id, at)
		SELECT r.id, c.member_id, c.point_id, r.started_at + interval '1 minute'
		FROM roll_calls r JOIN check_ins c ON c.conference_id = r.conference_id
		WHERE r.conference_id = ? AND (c.member_id + r.id) % 13 <> 0`, conf.ID)
	exec(`INSERT INTO absence_requests (conference_id, member_id, kind, category, reason, status, decision_note, overturned,
			created_at, updated_at)
		SELECT conference_id, member_id, 'request', 'cong_tac', 'Đi công tác',
			CASE WHEN member_id % 20 = 7 THEN 'approved' ELSE 'pending' END, '', false, now(), now()
		FROM invitations WHERE conference_id = ? AND member_id % 10 = 7`, conf.ID)
	exec(`INSERT INTO delegations (conference_id, member_id, substitute_id, reason, status, note, created_at, updated_at)
		SELECT i.conference_id, i.member_id, 100000 + row_number() OVER (ORDER BY i.member_id), 'Ủy nhiệm', 'approved', '', now(), now()
		FROM invitations i WHERE i.conference_id = ? AND i.member_id % 100 = 17`, conf.ID)
	exec(`INSERT INTO check_ins (conference_id, member_id, point_id, at, method, device_id, shared_device, confirmed, reason,
			moves, checkout_reason, undo_reason, updated_at)
		SELECT d.conference_id, d.substitute_id, i.point_id, ?, 'qr', 'sub' || d.substitute_id, false, false, '', 0, '', '', now()
		FROM delegations d JOIN invitations i ON i.conference_id = d.conference_id AND i.member_id = d.member_id
		WHERE d.conference_id = ?`, t0, conf.ID)
	for k := range 2 {
		doc := attendance.Document{ConferenceID: conf.ID, Title: fmt.Sprintf("Tài liệu %d", k), FileName: "tl.pdf",
			ContentType: "application/pdf", Data: []byte("%PDF-1.7")}
		if err := db.CreateDocument(ctx, &doc); err != nil {
			b.Fatal(err)
		}
		exec(`INSERT INTO read_receipts (document_id, member_id, point_id, first_at, last_at, opens)
			SELECT ?, member_id, point_id, now(), now(), 1 FROM invitations WHERE conference_id = ? AND member_id % 5 < ?`,
			doc.ID, conf.ID, 3-k)
	}
	exec(`INSERT INTO presence_intervals (conference_id, point_id, conn_id, started_at, ended_at, end_reason, headcount, visible, last_seen_at)
		SELECT ?, id, 'c' || id, ?, ?, 'ice_failed', 0, true, ? FROM points WHERE conference_id = ? AND id % 100 = 0`,
		conf.ID, t0, t0.Add(30*time.Minute), t0.Add(30*time.Minute), conf.ID)
	exec(`ANALYZE`)

	b.ResetTimer()
	var st map[attendance.Status]int
	for b.Loop() {
		os, err := db.ConferenceOutcomes(ctx, conf.ID)
		if err != nil {
			b.Fatal(err)
		}
		if len(os) != 100_000 {
			b.Fatalf("got %d outcomes", len(os))
		}
		st = map[attendance.Status]int{}
		for _, o := range os {
			st[o.Status]++
		}
	}
	b.ReportMetric(100_000, "invitations/op")
	if st[attendance.StatusDelegated] == 0 || st[attendance.StatusLeftEarly] == 0 || st[attendance.StatusExcused] == 0 {
		b.Errorf("outcomes %v lack a kind the data holds", st)
	}
	b.Logf("outcomes: %v", st)
}
