package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// reportFixture is a conference held by a đảng bộ (under the province) at two
// points: A, chaired by its secretary, and B, chaired by its deputy while the
// secretary is excused, whose console dropped for ten minutes.
type reportFixture struct {
	conf                     attendance.Conference
	province, root, a, b, c  attendance.Organization
	pointA, pointB           attendance.Point
	secA, duc, yen, exempt   attendance.Member
	secB, depB, khoa, absent attendance.Member
	sub                      attendance.Member
	office                   attendance.Account
}

func mustReportFixture(t *testing.T, db *sqlstore.DB, clk *movableClock) reportFixture {
	t.Helper()
	ctx := context.Background()
	g := db.Gorm().WithContext(ctx)
	var f reportFixture
	f.province = mustOrg(t, db, nil, "HB", "Đảng bộ tỉnh Hoà Bình", attendance.KindDangBo)
	f.root = mustOrg(t, db, &f.province.ID, "DUK", "Đảng uỷ Khối các cơ quan tỉnh", attendance.KindDangBo)
	f.a = mustOrg(t, db, &f.root.ID, "CB-TG", "Chi bộ Ban Tuyên giáo Tỉnh uỷ", attendance.KindChiBo)
	f.b = mustOrg(t, db, &f.root.ID, "CB-TP", "Chi bộ Sở Tư pháp", attendance.KindChiBo)
	f.c = mustOrg(t, db, &f.root.ID, "CB-YT", "Chi bộ Sở Y tế", attendance.KindChiBo)
	f.secA = mustMember(t, db, f.a.ID, "DV01", "Nguyễn Thị Thuỳ Dương", attendance.PositionSecretary)
	f.duc = mustMember(t, db, f.a.ID, "DV02", "Trần Văn Đức", attendance.PositionMember)
	f.yen = mustMember(t, db, f.a.ID, "DV03", "Hoàng Thị Hải Yến", attendance.PositionMember)
	f.exempt = mustMember(t, db, f.a.ID, "DV04", "Đặng Thị Hoa", attendance.PositionMember)
	f.exempt.Exempt = true
	if err := db.UpdateMember(ctx, &f.exempt, ""); err != nil {
		t.Fatal(err)
	}
	f.secB = mustMember(t, db, f.b.ID, "DV11", "Lê Văn Bình", attendance.PositionSecretary)
	f.depB = mustMember(t, db, f.b.ID, "DV12", "Phạm Thị Lan", attendance.PositionDeputy)
	f.khoa = mustMember(t, db, f.b.ID, "DV13", "Vũ Đình Khoa", attendance.PositionMember)
	f.absent = mustMember(t, db, f.b.ID, "DV14", "Bùi Quang Hưng", attendance.PositionMember)
	f.sub = mustMember(t, db, f.c.ID, "DV21", "Cao Văn Thay", attendance.PositionMember)
	f.office = attendance.Account{Login: "vanphong", DisplayName: "Văn phòng Đảng uỷ Khối", Role: attendance.RoleOrganizer, Active: true}
	if err := db.CreateAccount(ctx, &f.office, "mật-khẩu-đủ-dài"); err != nil {
		t.Fatal(err)
	}

	f.conf = attendance.Conference{Title: "Hội nghị quán triệt Nghị quyết Đại hội XIV", HostOrganizationID: &f.root.ID,
		StartsAt: t0, EndsAt: t0.Add(3 * time.Hour), CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute,
		EarlyLeaveGrace: 10 * time.Minute}
	if err := db.CreateConference(ctx, &f.conf); err != nil {
		t.Fatal(err)
	}
	f.pointA = attendance.Point{ConferenceID: f.conf.ID, Name: "Điểm cầu Ban Tuyên giáo", OrganizationIDs: []int64{f.a.ID}}
	f.pointB = attendance.Point{ConferenceID: f.conf.ID, Name: "Điểm cầu Sở Tư pháp", OrganizationIDs: []int64{f.b.ID}}
	for _, p := range []*attendance.Point{&f.pointA, &f.pointB} {
		if err := db.CreatePoint(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.GenerateInvitations(ctx, f.conf.ID); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(-20 * time.Minute))
	if _, err := db.TransitionConference(ctx, f.conf.ID, "start"); err != nil {
		t.Fatal(err)
	}

	decided := t0.Add(-time.Hour)
	checkIn := func(m attendance.Member, p attendance.Point, at time.Time) attendance.CheckIn {
		return attendance.CheckIn{ConferenceID: f.conf.ID, MemberID: m.ID, PointID: p.ID, At: at, Method: attendance.MethodQR,
			DeviceID: "d-" + m.Code, UpdatedAt: at}
	}
	cis := []attendance.CheckIn{
		checkIn(f.secA, f.pointA, t0.Add(-10*time.Minute)),
		checkIn(f.duc, f.pointA, t0.Add(20*time.Minute)),
		checkIn(f.depB, f.pointB, t0.Add(-15*time.Minute)),
		checkIn(f.sub, f.pointB, t0.Add(-5*time.Minute)),
	}
	absences := []attendance.AbsenceRequest{
		{ConferenceID: f.conf.ID, MemberID: f.yen.ID, Kind: attendance.KindRequest, Category: attendance.CategoryOmDau,
			Reason:   "Nằm viện điều trị",
			Decision: attendance.Decision{Status: attendance.DecisionApproved, DecidedByAccountID: &f.office.ID, DecidedAt: &decided, DecisionNote: "Đồng ý"}},
		{ConferenceID: f.conf.ID, MemberID: f.secB.ID, Kind: attendance.KindRequest, Category: attendance.CategoryCongTac,
			Reason:   "Đi công tác Hà Nội",
			Decision: attendance.Decision{Status: attendance.DecisionApproved, DecidedByMemberID: &f.secA.ID, DecidedAt: &decided}},
	}
	delegations := []attendance.Delegation{{ConferenceID: f.conf.ID, MemberID: f.khoa.ID, SubstituteID: f.sub.ID,
		Reason:   "Trực cơ quan",
		Decision: attendance.Decision{Status: attendance.DecisionApproved, DecidedByMemberID: &f.depB.ID, DecidedAt: &decided}}}
	down, back := t0.Add(30*time.Minute), t0.Add(40*time.Minute)
	presence := []attendance.PresenceInterval{
		{ConferenceID: f.conf.ID, PointID: f.pointA.ID, ConnID: "a-1", ChairMemberID: &f.secA.ID, StartedAt: t0.Add(-25 * time.Minute), LastSeenAt: t0},
		{ConferenceID: f.conf.ID, PointID: f.pointB.ID, ConnID: "b-1", ChairMemberID: &f.depB.ID, StartedAt: t0.Add(-25 * time.Minute),
			EndedAt: &down, EndReason: attendance.EndICEFailed, LastSeenAt: down},
		{ConferenceID: f.conf.ID, PointID: f.pointB.ID, ConnID: "b-2", ChairMemberID: &f.depB.ID, StartedAt: back, LastSeenAt: back},
	}
	for _, rows := range []any{&cis, &absences, &delegations, &presence} {
		if err := g.Create(rows).Error; err != nil {
			t.Fatal(err)
		}
	}
	// The materials, read by the two chairs and the substitute; a roll call at 09:00
	// that everyone checked in answers but the substitute.
	doc := attendance.Document{ConferenceID: f.conf.ID, Title: "Tài liệu", FileName: "tl.pdf", ContentType: "application/pdf",
		Data: []byte("%PDF-1.7")}
	if err := db.CreateDocument(ctx, &doc); err != nil {
		t.Fatal(err)
	}
	var reads []attendance.ReadReceipt
	for _, m := range []attendance.Member{f.secA, f.depB, f.sub} {
		reads = append(reads, attendance.ReadReceipt{DocumentID: doc.ID, MemberID: m.ID, PointID: f.pointA.ID, FirstAt: t0, LastAt: t0, Opens: 1})
	}
	rc := attendance.RollCall{ConferenceID: f.conf.ID, StartedAt: t0.Add(time.Hour), EndsAt: t0.Add(65 * time.Minute)}
	if err := g.Create(&reads).Error; err != nil {
		t.Fatal(err)
	}
	if err := g.Create(&rc).Error; err != nil {
		t.Fatal(err)
	}
	var answers []attendance.RollCallAnswer
	for _, ci := range cis[:3] {
		answers = append(answers, attendance.RollCallAnswer{RollCallID: rc.ID, MemberID: ci.MemberID, PointID: ci.PointID, At: rc.StartedAt})
	}
	if err := g.Create(&answers).Error; err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDB_ConferenceReport(t *testing.T) {
	clk := &movableClock{t: t0.Add(-time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-time.Hour))
		f := mustReportFixture(t, db, clk)
		clk.Set(t0.Add(90 * time.Minute))

		var r attendance.ConferenceReport
		var err error
		queries := countStatements(t, db, func() { r, err = db.ConferenceReport(ctx, f.conf.ID) })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("ConferenceReport: %d statements", queries)
		if queries > 20 {
			t.Errorf("ConferenceReport ran %d statements, want a fixed handful (≤ 20)", queries)
		}
		if r.Final || r.Host == nil || r.Host.Name != f.root.Name || r.HostParent == nil || r.HostParent.Name != f.province.Name {
			t.Errorf("head: final %v host %+v parent %+v", r.Final, r.Host, r.HostParent)
		}
		if !r.GeneratedAt.Equal(t0.Add(90 * time.Minute)) {
			t.Errorf("GeneratedAt = %v, want the store's clock", r.GeneratedAt)
		}
		// Present: secA, depB; late: Đức; delegated: Khoa (whose substitute missed the
		// roll call); excused: Yến, secB; unexcused: Hưng; exempt: Hoa.
		want := attendance.Tally{Invited: 8, Present: 2, Late: 1, Delegated: 1, Excused: 2, Unexcused: 1, Exempt: 1}
		if r.Totals.Tally != want {
			t.Errorf("totals: got %+v, want %+v", r.Totals.Tally, want)
		}
		outs, err := db.ConferenceOutcomes(ctx, f.conf.ID)
		if err != nil {
			t.Fatal(err)
		}
		var fromOutcomes attendance.Tally
		for _, o := range outs {
			fromOutcomes.Add(o.Status)
		}
		if fromOutcomes != r.Totals.Tally {
			t.Errorf("report totals %+v differ from ConferenceOutcomes %+v", r.Totals.Tally, fromOutcomes)
		}

		var abs []string
		for _, a := range r.Absentees {
			abs = append(abs, fmt.Sprintf("%s|%s|%s|%s|%s", a.FullName, a.Status, a.DecidedBy, a.OrganizationName, a.PointName))
		}
		wantAbs := []string{
			"Hoàng Thị Hải Yến|excused|Văn phòng Đảng uỷ Khối|Chi bộ Ban Tuyên giáo Tỉnh uỷ|Điểm cầu Ban Tuyên giáo",
			"Bùi Quang Hưng|unexcused||Chi bộ Sở Tư pháp|Điểm cầu Sở Tư pháp",
			"Lê Văn Bình|excused|Nguyễn Thị Thuỳ Dương|Chi bộ Sở Tư pháp|Điểm cầu Sở Tư pháp",
		}
		if !slices.Equal(abs, wantAbs) {
			t.Errorf("absentees:\n got %q\nwant %q", abs, wantAbs)
		}
		var flags []string
		for _, fl := range r.Flags {
			flags = append(flags, fl.FullName+" "+string(fl.Flag))
		}
		if !slices.Equal(flags, []string{"Trần Văn Đức no_materials"}) {
			t.Errorf("flags: got %q", flags)
		}
		if len(r.Points) != 2 {
			t.Fatalf("got %d points", len(r.Points))
		}
		for _, p := range r.Points {
			chair := ""
			if p.Chair != nil {
				chair = p.Chair.FullName
			}
			switch p.PointID {
			case f.pointA.ID:
				if chair != f.secA.FullName || p.ChairStatus != attendance.ChairOK || p.Outages != 0 {
					t.Errorf("point A: chair %q %s, %d outages", chair, p.ChairStatus, p.Outages)
				}
			case f.pointB.ID:
				if chair != f.depB.FullName || p.ChairStatus != attendance.ChairOK || p.Outages != 1 || p.Downtime != 10*time.Minute {
					t.Errorf("point B: chair %q %s, %d outages, %v down", chair, p.ChairStatus, p.Outages, p.Downtime)
				}
			}
		}

		t.Run("point", func(t *testing.T) {
			r, err := db.PointReport(ctx, f.pointB.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.PointID != f.pointB.ID || len(r.Points) != 1 || r.Totals.Invited != 4 || len(r.Absentees) != 2 {
				t.Errorf("got point %d, %d points, totals %+v, %d absentees", r.PointID, len(r.Points), r.Totals.Tally, len(r.Absentees))
			}
			if _, err := db.PointReport(ctx, 987654); !errors.Is(err, attendance.ErrNotFound) {
				t.Errorf("unknown point: got %v, want ErrNotFound", err)
			}
		})
		t.Run("member outcomes agree with the conference's", func(t *testing.T) {
			from, to := attendance.YearBounds(2026)
			for _, o := range outs {
				m, err := db.MemberReport(ctx, o.Invitation.MemberID, from, to)
				if err != nil {
					t.Fatal(err)
				}
				e := m.Entries
				if len(e) != 1 || e[0].Status != o.Status || !slices.Equal(e[0].Flags, append([]attendance.Flag{}, o.Flags...)) ||
					(o.Status == attendance.StatusDelegated) != (e[0].Basis == attendance.BasisDelegation) {
					t.Errorf("%s: member report %+v, conference outcome %s %v", o.Invitation.FullName, m.Entries, o.Status, o.Flags)
				}
			}
			m, err := db.MemberReport(ctx, f.yen.ID, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if m.OrganizationName != f.a.Name || m.Entries[0].DecidedBy != f.office.DisplayName || m.Entries[0].Note != "Đồng ý" ||
				m.Member.PINHash != "" {
				t.Errorf("Yến's report: %+v", m)
			}
			if m, err := db.MemberReport(ctx, f.yen.ID, from.AddDate(1, 0, 0), to.AddDate(1, 0, 0)); err != nil || len(m.Entries) != 0 {
				t.Errorf("next year: %d entries, %v; want none", len(m.Entries), err)
			}
			if _, err := db.MemberReport(ctx, 987654, from, to); !errors.Is(err, attendance.ErrNotFound) {
				t.Errorf("unknown member: got %v, want ErrNotFound", err)
			}
		})
		t.Run("organization year", func(t *testing.T) {
			y, err := db.OrganizationYearReport(ctx, f.root.ID, 2026)
			if err != nil {
				t.Fatal(err)
			}
			if y.Totals.Organized != 1 || y.Totals.Conferences != 1 || y.Totals.Invited != 8 || y.Parent == nil ||
				y.Parent.Name != f.province.Name || len(y.Organized) != 1 || y.Organized[0].Points != 2 {
				t.Errorf("root: totals %+v, organized %+v", y.Totals, y.Organized)
			}
			var units []string
			for _, u := range y.Units {
				units = append(units, fmt.Sprintf("%s %d/%d", u.Name, u.Organized, u.Invited))
			}
			want := []string{"Đảng uỷ Khối các cơ quan tỉnh 1/0", "Chi bộ Ban Tuyên giáo Tỉnh uỷ 0/4", "Chi bộ Sở Tư pháp 0/4",
				"Chi bộ Sở Y tế 0/0"}
			if !slices.Equal(units, want) {
				t.Errorf("units:\n got %q\nwant %q", units, want)
			}
			cell, err := db.OrganizationYearReport(ctx, f.a.ID, 2026)
			if err != nil {
				t.Fatal(err)
			}
			if cell.Totals.Organized != 0 || cell.Totals.Conferences != 1 || cell.Totals.Invited != 4 || len(cell.Units) != 1 {
				t.Errorf("cell: totals %+v", cell.Totals)
			}
			if y, err := db.OrganizationYearReport(ctx, f.root.ID, 2025); err != nil || y.Totals.Conferences != 0 {
				t.Errorf("2025: %+v, %v; want nothing", y.Totals, err)
			}
			if _, err := db.OrganizationYearReport(ctx, 987654, 2026); !errors.Is(err, attendance.ErrNotFound) {
				t.Errorf("unknown organization: got %v, want ErrNotFound", err)
			}
		})
		t.Run("closed: final", func(t *testing.T) {
			clk.Set(t0.Add(4 * time.Hour))
			for _, a := range []string{"end", "close"} {
				if _, err := db.TransitionConference(ctx, f.conf.ID, a); err != nil {
					t.Fatal(err)
				}
			}
			r, err := db.ConferenceReport(ctx, f.conf.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Final || r.Conference.ClosedAt == nil {
				t.Errorf("closed conference: final %v closedAt %v", r.Final, r.Conference.ClosedAt)
			}
			for _, a := range r.Absentees {
				if a.Status == attendance.StatusExcused && (a.DecidedBy == "" || a.DecidedAt == nil) {
					t.Errorf("%s excused without approver and time", a.FullName)
				}
			}
		})
		if _, err := db.ConferenceReport(ctx, 987654); !errors.Is(err, attendance.ErrNotFound) {
			t.Errorf("unknown conference: got %v, want ErrNotFound", err)
		}
	})
}

// BenchmarkConferenceReport builds the report of a conference of 100,000 invitations
// over 1,000 points on PostgreSQL (DIEMCAU_TEST_DATABASE_URL), the data of
// BenchmarkConferenceOutcomes plus approvers and chairs, and writes it in each format,
// against the target of a 100,000-invitee report in under 3 s (docs/design.md §22).
func BenchmarkConferenceReport(b *testing.B) {
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
	office := attendance.Account{Login: "vanphong", DisplayName: "Văn phòng", Role: attendance.RoleOrganizer, Active: true}
	if err := db.CreateAccount(ctx, &office, "mật-khẩu-đủ-dài"); err != nil {
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
		SELECT 'DV' || g, 'Nguyễn Thị Thuỳ Dương ' || g, o.id,
			CASE WHEN g <= 1000 THEN 'secretary' WHEN g <= 2000 THEN 'deputy' ELSE 'member' END, g % 50 = 0,
			'', '', true, now(), now()
		FROM generate_series(1, 101000) g JOIN organizations o ON o.code = 'CB' || ((g - 1) % 1000 + 1)`)
	exec(`INSERT INTO points (conference_id, name, location, created_at, updated_at)
		SELECT ?, 'Điểm cầu ' || g, 'Hội trường', now(), now() FROM generate_series(1, 1000) g`, conf.ID)
	exec(`INSERT INTO point_organizations (point_id, organization_id)
		SELECT p.id, o.id FROM points p JOIN organizations o ON o.code = 'CB' || split_part(p.name, ' ', 3)
		WHERE p.conference_id = ?`, conf.ID)
	exec(`UPDATE members SET active = false WHERE id > 100000`)
	if n, err := db.GenerateInvitations(ctx, conf.ID); err != nil || n != 100_000 {
		b.Fatalf("generated %d invitations, %v", n, err)
	}
	exec(`UPDATE members SET active = true WHERE id > 100000`)
	exec(`UPDATE conferences SET status = 'live', started_at = ? WHERE id = ?`, t0, conf.ID)
	exec(`INSERT INTO check_ins (conference_id, member_id, point_id, at, method, device_id, shared_device, confirmed, reason,
			moves, checked_out_at, checkout_reason, undo_reason, updated_at)
		SELECT i.conference_id, i.member_id, i.point_id, ?::timestamptz + (i.member_id % 30) * interval '1 minute',
			CASE WHEN i.member_id % 37 = 0 THEN 'manual' ELSE 'qr' END, 'dev' || i.member_id, i.member_id % 101 = 0, false,
			CASE WHEN i.member_id % 37 = 0 THEN 'Quên điện thoại' ELSE '' END,
			0, CASE WHEN i.member_id % 41 = 0 THEN ?::timestamptz END, '', '', now()
		FROM invitations i WHERE i.conference_id = ? AND i.member_id % 10 <> 7`, t0.Add(-10*time.Minute), t0.Add(time.Hour), conf.ID)
	exec(`INSERT INTO roll_calls (conference_id, started_at, ends_at)
		SELECT ?, ?::timestamptz + g * interval '30 minutes', ?::timestamptz + g * interval '30 minutes' + interval '5 minutes'
		FROM generate_series(1, 3) g`, conf.ID, t0, t0)
	exec(`INSERT INTO roll_call_answers (roll_call_id, member_id, point_id, at)
		SELECT r.id, c.member_id, c.point_id, r.started_at + interval '1 minute'
		FROM roll_calls r JOIN check_ins c ON c.conference_id = r.conference_id
		WHERE r.conference_id = ? AND (c.member_id + r.id) % 13 <> 0`, conf.ID)
	exec(`INSERT INTO absence_requests (conference_id, member_id, kind, category, reason, status, decided_by_account_id,
			decided_at, decision_note, overturned, created_at, updated_at)
		SELECT conference_id, member_id, 'request', 'cong_tac', 'Đi công tác theo kế hoạch của cơ quan',
			CASE WHEN member_id % 20 = 7 THEN 'approved' ELSE 'pending' END,
			CASE WHEN member_id % 20 = 7 THEN ?::bigint END, CASE WHEN member_id % 20 = 7 THEN ?::timestamptz END,
			'', false, now(), now()
		FROM invitations WHERE conference_id = ? AND member_id % 10 = 7`, office.ID, t0.Add(-time.Hour), conf.ID)
	exec(`INSERT INTO delegations (conference_id, member_id, substitute_id, reason, status, note, created_at, updated_at)
		SELECT i.conference_id, i.member_id, 100000 + row_number() OVER (ORDER BY i.member_id), 'Ủy nhiệm', 'approved', '', now(), now()
		FROM invitations i WHERE i.conference_id = ? AND i.member_id % 100 = 17`, conf.ID)
	exec(`INSERT INTO check_ins (conference_id, member_id, point_id, at, method, device_id, shared_device, confirmed, reason,
			moves, checkout_reason, undo_reason, updated_at)
		SELECT d.conference_id, d.substitute_id, i.point_id, ?, 'qr', 'sub' || d.substitute_id, false, false, '', 0, '', '', now()
		FROM delegations d JOIN invitations i ON i.conference_id = d.conference_id AND i.member_id = d.member_id
		WHERE d.conference_id = ?`, t0, conf.ID)
	doc := attendance.Document{ConferenceID: conf.ID, Title: "Tài liệu", FileName: "tl.pdf", ContentType: "application/pdf",
		Data: []byte("%PDF-1.7")}
	if err := db.CreateDocument(ctx, &doc); err != nil {
		b.Fatal(err)
	}
	exec(`INSERT INTO read_receipts (document_id, member_id, point_id, first_at, last_at, opens)
		SELECT ?, member_id, point_id, now(), now(), 1 FROM invitations WHERE conference_id = ? AND member_id % 5 < 3`,
		doc.ID, conf.ID)
	// Every console connected, chaired by its secretary; one in a hundred dropped for
	// ten minutes.
	exec(`INSERT INTO presence_intervals (conference_id, point_id, conn_id, chair_member_id, started_at, ended_at, end_reason,
			headcount, visible, last_seen_at)
		SELECT p.id * 0 + ?, p.id, 'c' || p.id, m.id, ?::timestamptz, CASE WHEN p.id % 100 = 0 THEN ?::timestamptz END,
			CASE WHEN p.id % 100 = 0 THEN 'ice_failed' ELSE '' END, 0, true, ?::timestamptz
		FROM points p JOIN point_organizations po ON po.point_id = p.id
		JOIN members m ON m.organization_id = po.organization_id AND m.position = 'secretary'
		WHERE p.conference_id = ?`, conf.ID, t0.Add(-20*time.Minute), t0.Add(30*time.Minute), t0, conf.ID)
	exec(`INSERT INTO presence_intervals (conference_id, point_id, conn_id, started_at, end_reason, headcount, visible, last_seen_at)
		SELECT ?, id, 'r' || id, ?, '', 0, true, ? FROM points WHERE conference_id = ? AND id % 100 = 0`,
		conf.ID, t0.Add(40*time.Minute), t0.Add(40*time.Minute), conf.ID)
	exec(`ANALYZE`)

	r, err := db.ConferenceReport(ctx, conf.ID)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("report: %d points, %d absentees, %d flags, totals %+v", len(r.Points), len(r.Absentees), len(r.Flags), r.Totals.Tally)
	if r.Totals.Invited != 100_000 || r.Totals.Outages != 10 || r.Totals.ChairOK != 1000 {
		b.Fatalf("totals: %+v", r.Totals)
	}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.ConferenceReport(ctx, conf.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(100_000, "invitations/op")
	})
	for _, w := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"json-model", func(w io.Writer) error { return json.NewEncoder(w).Encode(&r) }},
		{"csv-absentees", func(w io.Writer) error { return attendance.WriteAbsenteesCSV(w, &r) }},
		{"csv-points", func(w io.Writer) error { return attendance.WritePointsCSV(w, &r) }},
		{"xlsx", func(w io.Writer) error { return attendance.WriteConferenceXLSX(w, &r) }},
		{"pdf", func(w io.Writer) error { return attendance.WriteConferencePDF(w, &r, attendance.DocumentOptions{}) }},
	} {
		b.Run(w.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				var buf bytes.Buffer
				if err := w.write(&buf); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			b.ReportMetric(float64(size), "bytes/file")
		})
	}
}

// TestDB_Outages_EndedEarly is the conference an organizer ended before its scheduled
// end, whose rooms closed their consoles afterwards; one room also tried its console
// out and closed it before the start. Only the one real outage of 40 s while the
// conference was held counts (docs/design.md §15.2) — in the report, the outcomes,
// the member's report and the board alike.
func TestDB_Outages_EndedEarly(t *testing.T) {
	clk := &movableClock{t: t0.Add(-time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-time.Hour))
		f := mustReportFixture(t, db, clk)
		// The fixture's point B dropped for ten minutes; here it drops for 40 s.
		g := db.Gorm().WithContext(ctx)
		if err := g.Where("conference_id = ?", f.conf.ID).Delete(&attendance.PresenceInterval{}).Error; err != nil {
			t.Fatal(err)
		}
		ended := t0.Add(time.Hour)
		at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
		iv := func(p attendance.Point, conn string, chair int64, from time.Duration, to *time.Time, why string) attendance.PresenceInterval {
			return attendance.PresenceInterval{ConferenceID: f.conf.ID, PointID: p.ID, ConnID: conn, ChairMemberID: &chair,
				StartedAt: t0.Add(from), EndedAt: to, EndReason: why, LastSeenAt: t0.Add(from)}
		}
		presence := []attendance.PresenceInterval{
			iv(f.pointA, "a-try", f.secA.ID, -28*time.Minute, at(-20*time.Minute), attendance.EndHeartbeatTimeout),
			iv(f.pointA, "a-1", f.secA.ID, -15*time.Minute, at(time.Hour+2*time.Minute), attendance.EndHeartbeatTimeout),
			iv(f.pointB, "b-1", f.depB.ID, -25*time.Minute, at(20*time.Minute), attendance.EndICEFailed),
			iv(f.pointB, "b-2", f.depB.ID, 20*time.Minute+40*time.Second, at(time.Hour+3*time.Minute), attendance.EndClosed),
		}
		if err := g.Create(&presence).Error; err != nil {
			t.Fatal(err)
		}
		clk.Set(ended)
		if _, err := db.TransitionConference(ctx, f.conf.ID, "end"); err != nil {
			t.Fatal(err)
		}
		clk.Set(ended.Add(30 * time.Minute))

		r, err := db.ConferenceReport(ctx, f.conf.ID)
		if err != nil {
			t.Fatal(err)
		}
		tot := r.Totals
		if tot.Outages != 1 || tot.WithOutages != 1 || tot.Downtime != 40*time.Second || tot.DowntimeMinutes != 1 {
			t.Errorf("report: %d outages at %d points, %v down (%d min); want 1 at 1, 40s (1 min)",
				tot.Outages, tot.WithOutages, tot.Downtime, tot.DowntimeMinutes)
		}
		outs, err := db.ConferenceOutcomes(ctx, f.conf.ID)
		if err != nil {
			t.Fatal(err)
		}
		from, to := attendance.YearBounds(2026)
		for _, o := range outs {
			want := o.Invitation.PointID == f.pointB.ID
			if o.Outage != want {
				t.Errorf("%s: outcome outage %v, want %v", o.Invitation.FullName, o.Outage, want)
			}
			m, err := db.MemberReport(ctx, o.Invitation.MemberID, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Entries) != 1 || m.Entries[0].Status != o.Status {
				t.Errorf("%s: member report %+v", o.Invitation.FullName, m.Entries)
			}
		}
		conf, err := db.Conference(ctx, attendance.Scope{All: true}, f.conf.ID)
		if err != nil {
			t.Fatal(err)
		}
		board, err := db.Board(ctx, conf)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range board {
			if want := map[int64]int{f.pointB.ID: 1}[b.Point.ID]; b.Outages != want {
				t.Errorf("board %s: %d outages, want %d", b.Point.Name, b.Outages, want)
			}
		}
	})
}

// TestDB_ChairRule reproduces the chair verdicts a full conference got wrong
// (docs/design.md §11), in the report and on the board alike:
//
//   - P1, the point of a đảng bộ whose chi bộ sits in the same room: its deputy chairs
//     while its secretary is away; the chi bộ's secretary present is not the point's
//     secretary, so the chair is right (it said "the secretary is present").
//   - P2, a room without a console whose secretary checked in: the secretary chaired
//     (it said nobody).
//   - P3, a room of two chi bộ: one secretary chairs at the console and checks out an
//     hour in, while the other stays; the chair did not chair to the end (it said ok).
func TestDB_ChairRule(t *testing.T) {
	clk := &movableClock{t: t0.Add(-time.Hour)}
	testdb.Each(t, clk.Now, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk.Set(t0.Add(-time.Hour))
		root := mustOrg(t, db, nil, "DUK", "Đảng uỷ Khối", attendance.KindDangBo)
		d := mustOrg(t, db, &root.ID, "DB-YT", "Đảng bộ Sở Y tế", attendance.KindDangBo)
		x := mustOrg(t, db, &d.ID, "CB-BV", "Chi bộ Bệnh viện", attendance.KindChiBo)
		a := mustOrg(t, db, &root.ID, "CB-TG", "Chi bộ Ban Tuyên giáo", attendance.KindChiBo)
		b := mustOrg(t, db, &root.ID, "CB-TP", "Chi bộ Sở Tư pháp", attendance.KindChiBo)
		c := mustOrg(t, db, &root.ID, "CB-TC", "Chi bộ Sở Tài chính", attendance.KindChiBo)
		secD := mustMember(t, db, d.ID, "D1", "Nguyễn Hồng Hương", attendance.PositionSecretary)
		depD := mustMember(t, db, d.ID, "D2", "Lê Văn Phó", attendance.PositionDeputy)
		secX := mustMember(t, db, x.ID, "X1", "Trần Thị Bệnh", attendance.PositionSecretary)
		memX := mustMember(t, db, x.ID, "X2", "Đỗ Văn Viện", attendance.PositionMember)
		secA := mustMember(t, db, a.ID, "A1", "Phan Văn Dũng", attendance.PositionSecretary)
		secB := mustMember(t, db, b.ID, "B1", "Bùi Kim Trang", attendance.PositionSecretary)
		secC := mustMember(t, db, c.ID, "C1", "Tạ Công Minh", attendance.PositionSecretary)
		_ = secD

		conf := attendance.Conference{Title: "Hội nghị học tập Nghị quyết", HostOrganizationID: &root.ID, StartsAt: t0,
			EndsAt: t0.Add(3 * time.Hour), CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute,
			EarlyLeaveGrace: 10 * time.Minute}
		if err := db.CreateConference(ctx, &conf); err != nil {
			t.Fatal(err)
		}
		p1 := attendance.Point{ConferenceID: conf.ID, Name: "P1 Đảng bộ Sở Y tế", OrganizationIDs: []int64{d.ID}}
		p2 := attendance.Point{ConferenceID: conf.ID, Name: "P2 Ban Tuyên giáo", OrganizationIDs: []int64{a.ID}}
		p3 := attendance.Point{ConferenceID: conf.ID, Name: "P3 Tư pháp và Tài chính", OrganizationIDs: []int64{b.ID, c.ID}}
		for _, p := range []*attendance.Point{&p1, &p2, &p3} {
			if err := db.CreatePoint(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		clk.Set(t0.Add(-20 * time.Minute))
		if _, err := db.TransitionConference(ctx, conf.ID, "start"); err != nil {
			t.Fatal(err)
		}
		out := t0.Add(time.Hour)
		checkIn := func(m attendance.Member, p attendance.Point) attendance.CheckIn {
			at := t0.Add(-10 * time.Minute)
			return attendance.CheckIn{ConferenceID: conf.ID, MemberID: m.ID, PointID: p.ID, At: at, Method: attendance.MethodQR,
				DeviceID: "d-" + m.Code, UpdatedAt: at}
		}
		cis := []attendance.CheckIn{checkIn(depD, p1), checkIn(secX, p1), checkIn(memX, p1), checkIn(secA, p2),
			checkIn(secB, p3), checkIn(secC, p3)}
		cis[4].CheckedOutAt = &out
		presence := []attendance.PresenceInterval{
			{ConferenceID: conf.ID, PointID: p1.ID, ConnID: "p1", ChairMemberID: &depD.ID, StartedAt: t0.Add(-25 * time.Minute), LastSeenAt: t0},
			{ConferenceID: conf.ID, PointID: p3.ID, ConnID: "p3", ChairMemberID: &secB.ID, StartedAt: t0.Add(-25 * time.Minute), LastSeenAt: t0},
		}
		g := db.Gorm().WithContext(ctx)
		for _, rows := range []any{&cis, &presence} {
			if err := g.Create(rows).Error; err != nil {
				t.Fatal(err)
			}
		}
		clk.Set(t0.Add(90 * time.Minute))
		type verdict struct {
			chair  string
			status attendance.ChairStatus
		}
		want := map[int64]verdict{
			p1.ID: {depD.FullName, attendance.ChairOK},
			p2.ID: {secA.FullName, attendance.ChairOK},
			p3.ID: {secB.FullName, attendance.ChairLeftEarly},
		}
		r, err := db.ConferenceReport(ctx, conf.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Points {
			got := verdict{"", p.ChairStatus}
			if p.Chair != nil {
				got.chair = p.Chair.FullName
			}
			if got != want[p.PointID] {
				t.Errorf("report %s: got %+v, want %+v", p.Name, got, want[p.PointID])
			}
		}
		if r.Totals.ChairOK != 2 || r.Totals.ChairFlagged != 1 || r.Totals.ChairNone != 0 {
			t.Errorf("report totals: %d ok, %d flagged, %d none; want 2, 1, 0", r.Totals.ChairOK, r.Totals.ChairFlagged, r.Totals.ChairNone)
		}
		for _, p := range []attendance.Point{p1, p2, p3} {
			pr, err := db.PointReport(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := verdict{"", pr.Points[0].ChairStatus}
			if pr.Points[0].Chair != nil {
				got.chair = pr.Points[0].Chair.FullName
			}
			if got != want[p.ID] || pr.Totals.Invited != map[int64]int{p1.ID: 4, p2.ID: 1, p3.ID: 2}[p.ID] {
				t.Errorf("point report %s: got %+v, %d invited; want %+v", p.Name, got, pr.Totals.Invited, want[p.ID])
			}
		}
		live, err := db.Conference(ctx, attendance.Scope{All: true}, conf.ID)
		if err != nil {
			t.Fatal(err)
		}
		board, err := db.Board(ctx, live)
		if err != nil {
			t.Fatal(err)
		}
		for _, bp := range board {
			got := verdict{"", bp.ChairStatus}
			if bp.Chair != nil {
				got.chair = bp.Chair.FullName
			}
			if got != want[bp.Point.ID] {
				t.Errorf("board %s: got %+v, want %+v", bp.Point.Name, got, want[bp.Point.ID])
			}
		}
	})
}
