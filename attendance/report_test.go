package attendance

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// reportKeep names a directory to keep the generated report files in, to look at
// them: go test ./attendance -run Report -report.keep=/tmp/reports
var reportKeep = flag.String("report.keep", "", "directory to keep generated report files in")

// rpT0 is 08:00 on 7 February 2026 in Vietnam: the test conference runs 08:00–11:00.
var rpT0 = time.Date(2026, 2, 7, 1, 0, 0, 0, time.UTC)

func rpAt(h, m int) time.Time {
	return rpT0.Add(time.Duration(h-8)*time.Hour + time.Duration(m)*time.Minute)
}

func rpPtr[T any](v T) *T { return &v }

func rpConference(status ConferenceStatus) Conference {
	c := Conference{ID: 7, Title: "Hội nghị toàn quốc nghiên cứu, học tập, quán triệt Nghị quyết Đại hội XIV của Đảng",
		HostOrganizationID: rpPtr(int64(1)), StartsAt: rpT0, EndsAt: rpAt(11, 0), CheckinLead: 30 * time.Minute,
		LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute, Status: status}
	if status == StatusClosed {
		c.ClosedAt = rpPtr(rpAt(11, 0).Add(72 * time.Hour))
		c.AuditHeadID, c.AuditHeadHash = rpPtr(int64(1234)), rpAuditHash
	}
	return c
}

// rpAuditHash is the audit log's head hash recorded at the fixture's closing.
const rpAuditHash = "9f2c8e41d07b3a65c2e19f0a7d4b8c3e6f1a2b5c9d0e7f3a4b6c8d1e2f5a7b9c"

// rpPerson is a member of the fixture.
type rpPerson struct {
	id     int64
	code   string
	name   string
	pos    Position
	org    int64
	exempt bool
}

// rpOutcome decides in for p invited at point of c with the real rules.
func rpOutcome(c *Conference, point int64, pointName string, p rpPerson, in OutcomeInput) InvitationOutcome {
	in.Invitation = InvitationView{Invitation: Invitation{ID: 1000 + p.id, ConferenceID: c.ID, MemberID: p.id, PointID: point},
		MemberCode: p.code, FullName: p.name, Position: p.pos, Exempt: p.exempt, OrganizationID: p.org, PointName: pointName}
	if in.Now.IsZero() {
		in.Now = rpAt(12, 0)
	}
	r := Outcome(c, in)
	return InvitationOutcome{Invitation: in.Invitation, Result: r, CheckIn: in.CheckIn, Absence: in.Absence,
		Delegation: in.Delegation, SubstituteCheckIn: in.SubstituteCheckIn}
}

func rpCheckIn(member, point int64, t time.Time) *CheckIn {
	return &CheckIn{ID: member, MemberID: member, PointID: point, At: t, Method: MethodQR, DeviceID: fmt.Sprintf("d%d", member)}
}

// The fixture's people and records.
var (
	rpDuong = rpPerson{1, "DV0001", "Nguyễn Thị Thuỳ Dương", PositionSecretary, 11, false}
	rpDuc   = rpPerson{2, "DV0002", "Ngô Minh Quân", PositionMember, 11, false}
	rpYen   = rpPerson{3, "DV0003", "Hoàng Thị Hải Yến", PositionMember, 11, false}
	rpNam   = rpPerson{4, "DV0004", "Lý Văn Nam", PositionMember, 11, false}
	rpHoa   = rpPerson{5, "DV0005", "Đặng Thị Hoa", PositionMember, 11, true}
	rpTung  = rpPerson{6, "DV0006", "=Phùng Thanh Tùng", PositionMember, 11, false} // a name that looks like a formula
	rpThu   = rpPerson{7, "DV0007", "Mai Thị Thu", PositionMember, 11, false}

	rpBinh = rpPerson{21, "DV0021", "Lê Văn Bình", PositionSecretary, 12, false}
	rpLan  = rpPerson{22, "DV0022", "Phạm Thị Lan", PositionDeputy, 12, false}
	rpKhoa = rpPerson{23, "DV0023", "Vũ Đình Khoa", PositionMember, 12, false}
	rpMai  = rpPerson{24, "DV0024", "Đỗ Thị Mai", PositionMember, 12, false}
	rpQuan = rpPerson{25, "DV0025", "Trần Văn Đức", PositionMember, 12, false}

	rpSon  = rpPerson{31, "DV0031", "Trịnh Công Sơn", PositionSecretary, 13, false}
	rpHung = rpPerson{32, "DV0032", "Bùi Quang Hưng", PositionMember, 13, false}
	rpVy   = rpPerson{33, "DV0033", "Tạ Thị Tường Vy", PositionMember, 13, false}

	rpSub = rpPerson{90, "DV0090", "Cao Văn Thay", PositionMember, 12, false}
)

// The fixture's points: 1 chaired by its secretary; 2 by its deputy while the
// secretary is excused, with an outage of 10 minutes; 3 never connected, its secretary
// present; 4 chaired by a plain member of another cell.
const (
	rpP1, rpP2, rpP3, rpP4 = 101, 102, 103, 104
)

var rpPoints = []Point{
	{ID: rpP1, ConferenceID: 7, Name: "Điểm cầu Ban Tuyên giáo Tỉnh uỷ", Location: "Phòng họp tầng 3", OrganizationIDs: []int64{11}},
	{ID: rpP2, ConferenceID: 7, Name: "Điểm cầu Sở Tư pháp", Location: "Hội trường A", OrganizationIDs: []int64{12}},
	{ID: rpP3, ConferenceID: 7, Name: "Điểm cầu Sở Y tế", Location: "", OrganizationIDs: []int64{13}},
	{ID: rpP4, ConferenceID: 7, Name: "Điểm cầu Công an tỉnh", Location: "Hội trường Công an", OrganizationIDs: []int64{14}},
}

var rpNames = ReportNames{
	Accounts: map[int64]string{500: "Văn phòng Đảng uỷ Khối"},
	Members: map[int64]ReportPerson{
		rpDuong.id: {rpDuong.id, rpDuong.code, rpDuong.name, rpDuong.pos, rpDuong.org},
		rpLan.id:   {rpLan.id, rpLan.code, rpLan.name, rpLan.pos, rpLan.org},
		rpNam.id:   {rpNam.id, rpNam.code, rpNam.name, rpNam.pos, rpNam.org},
		rpSub.id:   {rpSub.id, rpSub.code, rpSub.name, rpSub.pos, rpSub.org},
		rpHung.id:  {rpHung.id, rpHung.code, rpHung.name, rpHung.pos, rpHung.org},
	},
	Organizations: map[int64]string{11: "Chi bộ Ban Tuyên giáo Tỉnh uỷ", 12: "Chi bộ Sở Tư pháp", 13: "Chi bộ Sở Y tế"},
}

// rpInput is the fixture as a report input: the conference in status, decided at now.
func rpInput(status ConferenceStatus, now time.Time) ReportInput {
	c := rpConference(status)
	decided := rpAt(7, 15)
	approvedBy := func(a *AbsenceRequest, account, member *int64) *AbsenceRequest {
		a.Status, a.DecidedByAccountID, a.DecidedByMemberID, a.DecidedAt = DecisionApproved, account, member, &decided
		return a
	}
	req := func(id int64, member int64, cat AbsenceCategory, reason string) *AbsenceRequest {
		return &AbsenceRequest{ID: id, ConferenceID: 7, MemberID: member, Kind: KindRequest, Category: cat, Reason: reason,
			Decision: Decision{Status: DecisionPending}, CreatedAt: rpAt(6, 0)}
	}
	p1, p2, p3, p4 := rpPoints[0].Name, rpPoints[1].Name, rpPoints[2].Name, rpPoints[3].Name
	rejected := req(3, rpTung.id, CategoryKhac, "Bận việc riêng")
	rejected.Status, rejected.DecidedByMemberID, rejected.DecidedAt = DecisionRejected, &rpDuong.id, &decided
	rejected.DecisionNote = "Lý do không chính đáng"
	manual := rpCheckIn(rpMai.id, rpP2, rpAt(7, 50))
	manual.Method, manual.Reason, manual.ByMemberID = MethodManual, "Quên điện thoại, chủ trì điểm danh hộ", &rpLan.id
	rc := []RollCall{{ID: 1, ConferenceID: 7, StartedAt: rpAt(10, 0), EndsAt: rpAt(10, 5)}}
	all := map[int64]bool{1: true}
	in := ReportInput{Conference: c, Host: &Organization{ID: 1, Name: "Đảng uỷ Khối các cơ quan tỉnh"},
		HostParent: &Organization{ID: 100, Name: "Đảng bộ tỉnh Hoà Bình"}, Points: rpPoints, Names: rpNames, Now: now}
	at := func(point int64, name string, p rpPerson, oi OutcomeInput) {
		oi.Now, oi.RollCalls, oi.HasDocuments = now, rc, true
		in.Outcomes = append(in.Outcomes, rpOutcome(&c, point, name, p, oi))
	}
	at(rpP1, p1, rpDuong, OutcomeInput{CheckIn: rpCheckIn(rpDuong.id, rpP1, rpAt(7, 45)), Answered: all, OpenedMaterials: true})
	at(rpP1, p1, rpDuc, OutcomeInput{CheckIn: rpCheckIn(rpDuc.id, rpP1, rpAt(8, 25)), Answered: all, OpenedMaterials: true})
	at(rpP1, p1, rpYen, OutcomeInput{Absence: approvedBy(req(1, rpYen.id, CategoryOmDau, "Nằm viện điều trị, có giấy của bệnh viện"), rpPtr(int64(500)), nil)})
	out := rpAt(9, 0)
	namCI := rpCheckIn(rpNam.id, rpP1, rpAt(7, 40))
	namCI.CheckedOutAt = &out
	at(rpP1, p1, rpNam, OutcomeInput{CheckIn: namCI, Answered: all, OpenedMaterials: true})
	at(rpP1, p1, rpHoa, OutcomeInput{})
	at(rpP1, p1, rpTung, OutcomeInput{Absence: rejected})
	at(rpP1, p1, rpThu, OutcomeInput{Absence: req(4, rpThu.id, CategoryViecGiaDinh, "Đám cưới con, quê ở Lạc Sơn")})

	at(rpP2, p2, rpBinh, OutcomeInput{Absence: approvedBy(req(5, rpBinh.id, CategoryCongTac, "Đi công tác tại Hà Nội theo Quyết định số 15-QĐ/ĐUK"), nil, &rpDuong.id)})
	at(rpP2, p2, rpLan, OutcomeInput{CheckIn: rpCheckIn(rpLan.id, rpP2, rpAt(7, 35)), Answered: all, OpenedMaterials: true})
	dg := &Delegation{ID: 9, ConferenceID: 7, MemberID: rpKhoa.id, SubstituteID: rpSub.id, Reason: "Trực cơ quan",
		Decision: Decision{Status: DecisionApproved, DecidedByMemberID: &rpLan.id, DecidedAt: &decided}, CreatedAt: rpAt(6, 30)}
	at(rpP2, p2, rpKhoa, OutcomeInput{Delegation: dg, SubstituteCheckIn: rpCheckIn(rpSub.id, rpP2, rpAt(7, 55)),
		SubstituteAnswered: all, SubstituteOpenedMaterials: true})
	at(rpP2, p2, rpMai, OutcomeInput{CheckIn: manual, Answered: all})
	at(rpP2, p2, rpQuan, OutcomeInput{CheckIn: rpCheckIn(rpQuan.id, rpP1, rpAt(7, 58)), Answered: all, OpenedMaterials: true})

	at(rpP3, p3, rpSon, OutcomeInput{CheckIn: rpCheckIn(rpSon.id, rpP3, rpAt(7, 50)), Answered: all, OpenedMaterials: true})
	at(rpP3, p3, rpHung, OutcomeInput{})
	pd := &Delegation{ID: 10, ConferenceID: 7, MemberID: rpVy.id, SubstituteID: rpSub.id, Reason: "Con ốm",
		Decision: Decision{Status: DecisionPending}, CreatedAt: rpAt(7, 0)}
	at(rpP3, p3, rpVy, OutcomeInput{Delegation: pd})
	_ = p4

	down, back := rpAt(8, 30), rpAt(8, 40)
	in.Presence = []PresenceInterval{
		{ID: 1, ConferenceID: 7, PointID: rpP1, ChairMemberID: &rpDuong.id, StartedAt: rpAt(7, 30)},
		{ID: 2, ConferenceID: 7, PointID: rpP2, ChairMemberID: &rpLan.id, StartedAt: rpAt(7, 32), EndedAt: &down, EndReason: EndICEFailed},
		{ID: 3, ConferenceID: 7, PointID: rpP2, ChairMemberID: &rpLan.id, StartedAt: back},
		{ID: 4, ConferenceID: 7, PointID: rpP4, ChairMemberID: &rpHung.id, StartedAt: rpAt(7, 40)},
	}
	// Point 4 has a plain member of another cell chairing while its invitees' secretary
	// (Sơn, at point 3) is elsewhere: nobody with a right to chair is there.
	return in
}

func TestTally(t *testing.T) {
	var tl Tally
	for _, s := range []Status{StatusPresent, StatusLate, StatusLeftEarly, StatusDelegated, StatusExcused, StatusPending,
		StatusUnexcused, StatusExempt, StatusPresent} {
		tl.Add(s)
	}
	if tl.Attended() != 5 || tl.Expected() != 8 {
		t.Errorf("attended/expected = %d/%d, want 5/8", tl.Attended(), tl.Expected())
	}
	if r, ok := tl.Rate(); !ok || r != 5.0/8 {
		t.Errorf("Rate() = %v, %v; want 0.625", r, ok)
	}
	if tl.Absent() != 3 || tl.Invited != 9 {
		t.Errorf("got absent %d invited %d, want 3 and 9", tl.Absent(), tl.Invited)
	}
	var empty Tally
	empty.Add(StatusExempt)
	if _, ok := empty.Rate(); ok {
		t.Error("a tally of only exempt members has a rate, want none")
	}
	var sum Tally
	sum.Merge(tl)
	sum.Merge(tl)
	if sum.Invited != 18 || sum.Present != 4 {
		t.Errorf("Merge: got %+v", sum)
	}
}

func TestBuildConferenceReport(t *testing.T) {
	live := BuildConferenceReport(rpInput(StatusLive, rpAt(10, 30)))
	closed := BuildConferenceReport(rpInput(StatusClosed, rpAt(11, 0).Add(80*time.Hour)))

	t.Run("counts per point", func(t *testing.T) {
		want := map[int64]Tally{
			rpP1: {Invited: 7, Present: 1, Late: 1, LeftEarly: 1, Excused: 1, Pending: 1, Unexcused: 1, Exempt: 1},
			rpP2: {Invited: 5, Present: 2, Delegated: 1, Excused: 1, Unexcused: 0, LeftEarly: 0, Late: 0},
			rpP3: {Invited: 3, Present: 1, Pending: 1, Unexcused: 1},
			rpP4: {},
		}
		// Quân checked in at point 1: present (flagged), counted at the point he was invited to.
		want[rpP2] = Tally{Invited: 5, Present: 3, Delegated: 1, Excused: 1}
		for _, p := range live.Points {
			if p.Tally != want[p.PointID] {
				t.Errorf("%s: got %+v, want %+v", p.Name, p.Tally, want[p.PointID])
			}
		}
		if len(live.Points) != 4 || live.Points[0].PointID != rpP1 {
			t.Errorf("points: got %d starting with %d, want the 4 in input order", len(live.Points), live.Points[0].PointID)
		}
	})
	t.Run("totals agree with the outcomes", func(t *testing.T) {
		in := rpInput(StatusLive, rpAt(10, 30))
		a, e := 0, 0
		for _, o := range in.Outcomes {
			if o.Status != StatusExempt {
				e++
			}
			if o.Status.Attended() {
				a++
			}
		}
		if live.Totals.Attended() != a || live.Totals.Expected() != e {
			t.Errorf("totals %d/%d, want the outcomes' %d/%d", live.Totals.Attended(), live.Totals.Expected(), a, e)
		}
		if live.Totals.Points != 4 || live.Totals.Invited != 15 {
			t.Errorf("totals: got %+v", live.Totals)
		}
	})
	t.Run("absentees", func(t *testing.T) {
		var got []string
		for _, a := range live.Absentees {
			got = append(got, fmt.Sprintf("%s %s %s %s %s", a.MemberCode, a.Status, a.Basis, a.Decision, a.DecidedBy))
		}
		want := []string{
			"DV0003 excused request approved Văn phòng Đảng uỷ Khối",
			"DV0006 unexcused request rejected Nguyễn Thị Thuỳ Dương",
			"DV0007 pending request pending ",
			"DV0021 excused request approved Nguyễn Thị Thuỳ Dương",
			"DV0032 unexcused   ",
			"DV0033 pending delegation pending ",
		}
		if !slices.Equal(got, want) {
			t.Errorf("absentees:\n got %q\nwant %q", got, want)
		}
		a := live.Absentees[0]
		if a.OrganizationName != "Chi bộ Ban Tuyên giáo Tỉnh uỷ" || a.PointName != rpPoints[0].Name ||
			a.Category != CategoryOmDau || a.DecidedAt == nil || !a.DecidedAt.Equal(rpAt(7, 15)) {
			t.Errorf("first absentee: got %+v", a)
		}
		if live.Absentees[5].Substitute != "Cao Văn Thay" {
			t.Errorf("pending delegation: substitute %q, want Cao Văn Thay", live.Absentees[5].Substitute)
		}
		if live.Absentees[1].Note != "Lý do không chính đáng" {
			t.Errorf("rejected request: note %q", live.Absentees[1].Note)
		}
	})
	t.Run("every absence approved in writing, pending or unexcused once closed", func(t *testing.T) {
		if !closed.Final || live.Final {
			t.Fatalf("Final: closed %v live %v, want true and false", closed.Final, live.Final)
		}
		// docs/design.md §10.5: a request nobody decided before the close is still
		// pending — its own line, not an unexcused absence.
		if closed.Totals.Pending != 2 || closed.Totals.Unexcused != 2 {
			t.Errorf("closed: pending %d unexcused %d, want 2 and 2", closed.Totals.Pending, closed.Totals.Unexcused)
		}
		for _, a := range closed.Absentees {
			switch a.Status {
			case StatusExcused:
				if a.Decision != DecisionApproved || a.DecidedBy == "" || a.DecidedAt == nil {
					t.Errorf("%s excused without an approver and time: %+v", a.MemberCode, a.AbsenceRecord)
				}
			case StatusPending:
				if a.Decision != DecisionPending {
					t.Errorf("%s pending with a record %s", a.MemberCode, a.Decision)
				}
			case StatusUnexcused:
				if a.Decision == DecisionPending {
					t.Errorf("%s unexcused with a request still pending", a.MemberCode)
				}
			default:
				t.Errorf("%s is %s in a closed report, want excused, pending or unexcused", a.MemberCode, a.Status)
			}
		}
	})
	t.Run("exempt members are listed nowhere as absent", func(t *testing.T) {
		for _, a := range live.Absentees {
			if a.MemberID == rpHoa.id {
				t.Errorf("exempt member listed as absent")
			}
		}
	})
	t.Run("flags", func(t *testing.T) {
		var got []string
		for _, f := range live.Flags {
			got = append(got, fmt.Sprintf("%s %s %s", f.MemberCode, f.Flag, f.Detail))
		}
		want := []string{
			"DV0024 manual Quên điện thoại, chủ trì điểm danh hộ",
			"DV0024 no_materials ",
			"DV0025 wrong_point Điểm cầu Ban Tuyên giáo Tỉnh uỷ",
		}
		if !slices.Equal(got, want) {
			t.Errorf("flags:\n got %q\nwant %q", got, want)
		}
		counts := map[Flag]int{}
		for _, fc := range live.Totals.Flags {
			counts[fc.Flag] = fc.N
		}
		if len(live.Totals.Flags) != len(Flags) || counts[FlagManual] != 1 || counts[FlagWrongPoint] != 1 {
			t.Errorf("flag counts: got %+v", live.Totals.Flags)
		}
		if live.Totals.Flagged != 2 {
			t.Errorf("flagged invitations: got %d, want 2", live.Totals.Flagged)
		}
	})
	t.Run("connection and chair", func(t *testing.T) {
		type line struct {
			connected bool
			outages   int
			down      time.Duration
			chair     string
			status    ChairStatus
		}
		want := map[int64]line{
			rpP1: {true, 0, 0, "Nguyễn Thị Thuỳ Dương", ChairOK},
			rpP2: {true, 1, 10 * time.Minute, "Phạm Thị Lan", ChairOK},
			rpP3: {false, 0, 0, "Trịnh Công Sơn", ChairOK}, // no console: the secretary present chairs
			rpP4: {true, 0, 0, "Bùi Quang Hưng", ChairNotAuthorized},
		}
		for _, p := range live.Points {
			got := line{p.Connected, p.Outages, p.Downtime, "", p.ChairStatus}
			if p.Chair != nil {
				got.chair = p.Chair.FullName
			}
			if got != want[p.PointID] {
				t.Errorf("%s: got %+v, want %+v", p.Name, got, want[p.PointID])
			}
		}
		tt := live.Totals
		if tt.Connected != 3 || tt.NeverConnected != 1 || tt.Outages != 1 || tt.WithOutages != 1 || tt.DowntimeMinutes != 10 ||
			tt.ChairOK != 3 || tt.ChairFlagged != 1 || tt.ChairNone != 0 {
			t.Errorf("totals: got %+v", tt)
		}
	})
	t.Run("narrowed to one point", func(t *testing.T) {
		in := rpInput(StatusLive, rpAt(10, 30))
		in.PointID = rpP2
		r := BuildConferenceReport(in)
		if len(r.Points) != 1 || r.Points[0].PointID != rpP2 || r.Totals.Invited != 5 || r.PointID != rpP2 {
			t.Fatalf("got %d points, totals %+v", len(r.Points), r.Totals)
		}
		for _, a := range r.Absentees {
			if a.PointID != rpP2 {
				t.Errorf("absentee of point %d in the report of %d", a.PointID, rpP2)
			}
		}
		// The wrong-point check-in still names the other point.
		if len(r.Flags) != 3 || r.Flags[2].Detail != rpPoints[0].Name {
			t.Errorf("flags: got %+v", r.Flags)
		}
	})
}

func TestBuildConferenceReport_Connection(t *testing.T) {
	c := rpConference(StatusLive)
	chair := func(id int64) *int64 { return &id }
	iv := func(who int64, from, to time.Time, reason string) PresenceInterval {
		p := PresenceInterval{PointID: 1, ChairMemberID: chair(who), StartedAt: from, EndReason: reason}
		if !to.IsZero() {
			p.EndedAt = &to
		}
		return p
	}
	none := time.Time{}
	tests := []struct {
		name      string
		ivs       []PresenceInterval
		now       time.Time
		connected bool
		outages   int
		down      time.Duration
		chair     int64
	}{
		{"never connected", nil, rpAt(12, 0), false, 0, 0, 0},
		{"connected throughout", []PresenceInterval{iv(1, rpAt(7, 40), none, "")}, rpAt(12, 0), true, 0, 0, 1},
		{"outage, back 10 minutes later", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(8, 30), EndICEFailed),
			iv(1, rpAt(8, 40), none, "")}, rpAt(12, 0), true, 1, 10 * time.Minute, 1},
		{"heartbeat timeout is an outage", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(8, 30), EndHeartbeatTimeout),
			iv(1, rpAt(8, 31), none, "")}, rpAt(12, 0), true, 1, time.Minute, 1},
		{"server shutdown is not an outage", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(8, 30), EndShutdown),
			iv(1, rpAt(8, 35), none, "")}, rpAt(12, 0), true, 0, 0, 1},
		{"replaced is not an outage", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(8, 30), EndReplaced),
			iv(1, rpAt(8, 30), none, "")}, rpAt(12, 0), true, 0, 0, 1},
		{"before check-in opens does not count", []PresenceInterval{iv(1, rpAt(6, 0), rpAt(7, 0), EndICEFailed)},
			rpAt(12, 0), false, 0, 0, 1},
		{"still offline: counts to now", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(10, 0), EndICEFailed)},
			rpAt(10, 30), true, 1, 30 * time.Minute, 1},
		{"offline to the end: counts to the end", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(10, 30), EndICEFailed)},
			rpAt(13, 0), true, 1, 30 * time.Minute, 1},
		{"another connection covered it", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(9, 0), EndICEFailed),
			iv(1, rpAt(8, 50), none, "")}, rpAt(12, 0), true, 1, 0, 1},
		{"two outages at once count their downtime once", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(9, 0), EndICEFailed),
			iv(2, rpAt(7, 45), rpAt(9, 0), EndICEFailed), iv(1, rpAt(9, 20), none, "")}, rpAt(12, 0), true, 2, 20 * time.Minute, 1},
		{"closed at the end is not an outage", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(11, 0), EndICEFailed)},
			rpAt(12, 0), true, 0, 0, 1},
		{"the longest chair", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(8, 0), EndReplaced), iv(2, rpAt(8, 0), none, "")},
			rpAt(12, 0), true, 0, 0, 2},
		{"time outside the conference does not count for the chair", []PresenceInterval{iv(1, rpAt(5, 0), rpAt(7, 35), EndReplaced),
			iv(2, rpAt(7, 35), rpAt(8, 0), EndReplaced)}, rpAt(12, 0), true, 0, 0, 2},
		{"a console closed during the conference is an outage", []PresenceInterval{iv(1, rpAt(7, 40), rpAt(9, 0), EndClosed),
			iv(1, rpAt(9, 5), none, "")}, rpAt(12, 0), true, 1, 5 * time.Minute, 1},
		// docs/design.md §15.2: a console tried out and closed before the start, or
		// closed once the room packed up, did not leave a room in the dark.
		{"closed before the start is not an outage", []PresenceInterval{iv(1, rpAt(7, 35), rpAt(7, 50), EndHeartbeatTimeout),
			iv(1, rpAt(7, 58), none, "")}, rpAt(12, 0), true, 0, 0, 1},
		{"offline before the start is not an outage, after it is", []PresenceInterval{iv(1, rpAt(7, 35), rpAt(7, 50), EndICEFailed),
			iv(1, rpAt(8, 5), rpAt(8, 20), EndICEFailed), iv(1, rpAt(8, 25), none, "")}, rpAt(12, 0), true, 1, 5 * time.Minute, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps PointSummary
			who := connection(&ps, &c, slices.Clone(tt.ivs), tt.now)
			if ps.Connected != tt.connected || ps.Outages != tt.outages || ps.Downtime != tt.down || who != tt.chair {
				t.Errorf("got connected %v, %d outages, %v down, chair %d; want %v, %d, %v, %d",
					ps.Connected, ps.Outages, ps.Downtime, who, tt.connected, tt.outages, tt.down, tt.chair)
			}
		})
	}
}

// TestBuildConferenceReport_EndedEarly is the conference the organizer ended before
// its scheduled end: the consoles the rooms closed afterwards are not outages, so the
// final report says what the live one said before the end — one outage of 40 s.
func TestBuildConferenceReport_EndedEarly(t *testing.T) {
	ended := rpAt(9, 0)
	blip, back := rpAt(8, 20), rpAt(8, 20).Add(40*time.Second)
	after := func(m int) *time.Time { return rpPtr(ended.Add(time.Duration(m) * time.Minute)) }
	presence := []PresenceInterval{
		{PointID: rpP1, ChairMemberID: &rpDuong.id, StartedAt: rpAt(7, 30), EndedAt: after(2), EndReason: EndHeartbeatTimeout},
		{PointID: rpP2, ChairMemberID: &rpLan.id, StartedAt: rpAt(7, 32), EndedAt: &blip, EndReason: EndICEFailed},
		{PointID: rpP2, ChairMemberID: &rpLan.id, StartedAt: back, EndedAt: after(3), EndReason: EndICEFailed},
		{PointID: rpP4, ChairMemberID: &rpHung.id, StartedAt: rpAt(7, 40), EndedAt: after(5), EndReason: EndClosed},
	}
	for _, tt := range []struct {
		name   string
		status ConferenceStatus
		now    time.Time
	}{
		{"live, before the end", StatusLive, rpAt(8, 50)},
		{"ended", StatusEnded, rpAt(9, 30)},
		{"closed", StatusClosed, rpAt(12, 0)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := rpInput(tt.status, tt.now)
			if tt.status != StatusLive {
				in.Conference.EndedAt = &ended
			}
			// What had happened by now: a connection that ends later was still open.
			in.Presence = nil
			for _, p := range presence {
				if p.EndedAt != nil && p.EndedAt.After(tt.now) {
					p.EndedAt, p.EndReason = nil, ""
				}
				in.Presence = append(in.Presence, p)
			}
			r := BuildConferenceReport(in)
			tot := r.Totals
			if tot.Outages != 1 || tot.WithOutages != 1 || tot.Downtime != 40*time.Second || tot.DowntimeMinutes != 1 {
				t.Errorf("got %d outages at %d points, %v down (%d min); want 1 at 1, 40s (1 min)",
					tot.Outages, tot.WithOutages, tot.Downtime, tot.DowntimeMinutes)
			}
			for _, p := range r.Points {
				if want := map[int64]int{rpP2: 1}[p.PointID]; p.Outages != want {
					t.Errorf("%s: %d outages, want %d", p.Name, p.Outages, want)
				}
			}
		})
	}
}

func TestBuildConferenceReport_ChairRule(t *testing.T) {
	c := rpConference(StatusLive)
	// Point 1 belongs to chi bộ 1 and 2 (a shared room); point 9 to the đảng bộ 3, whose
	// chi bộ 4 sits in the same room; chi bộ 5 has its own point 5.
	points := []Point{{ID: 1, Name: "Điểm cầu chung", OrganizationIDs: []int64{1, 2}},
		{ID: 9, Name: "Điểm cầu Đảng bộ", OrganizationIDs: []int64{3}}, {ID: 5, Name: "Điểm cầu chi bộ 5", OrganizationIDs: []int64{5}}}
	sec := rpPerson{1, "S", "Bí thư", PositionSecretary, 1, false}
	dep := rpPerson{2, "D", "Phó bí thư", PositionDeputy, 1, false}
	mem := rpPerson{3, "M", "Đảng viên", PositionMember, 1, false}
	sec2 := rpPerson{4, "S2", "Bí thư chi bộ 2", PositionSecretary, 2, false}
	secDB := rpPerson{5, "SB", "Bí thư đảng bộ", PositionSecretary, 3, false}
	depDB := rpPerson{6, "DB", "Phó bí thư đảng bộ", PositionDeputy, 3, false}
	secCB := rpPerson{7, "SC", "Bí thư chi bộ trực thuộc", PositionSecretary, 4, false}
	sec5 := rpPerson{8, "S5", "Bí thư chi bộ 5", PositionSecretary, 5, false}
	names := ReportNames{Members: map[int64]ReportPerson{}}
	for _, p := range []rpPerson{sec, dep, mem, sec2, secDB, depDB, secCB, sec5} {
		names.Members[p.id] = ReportPerson{MemberID: p.id, Code: p.code, FullName: p.name, Position: p.pos, OrganizationID: p.org}
	}
	type att struct {
		p       rpPerson
		invited int64 // the point invited at
		at      int64 // the point checked in at; 0: not in
		out     time.Time
	}
	in := func(p rpPerson, point int64) att { return att{p: p, invited: point, at: point} }
	away := func(p rpPerson, point int64) att { return att{p: p, invited: point} }
	left := func(p rpPerson, point int64) att { return att{p: p, invited: point, at: point, out: rpAt(9, 0)} }
	tests := []struct {
		name      string
		point     int64
		people    []att
		console   int64 // 0: no member at the console
		wantChair string
		want      ChairStatus
	}{
		{"secretary chairs", 1, []att{in(sec, 1), in(dep, 1), in(mem, 1)}, sec.id, sec.name, ChairOK},
		{"deputy chairs, secretary away", 1, []att{away(sec, 1), in(dep, 1)}, dep.id, dep.name, ChairOK},
		{"deputy chairs, secretary present", 1, []att{in(sec, 1), in(dep, 1)}, dep.id, dep.name, ChairSecretaryIdle},
		{"member chairs, secretary present", 1, []att{in(sec, 1), in(mem, 1)}, mem.id, mem.name, ChairSecretaryIdle},
		{"member chairs, secretary away", 1, []att{away(sec, 1), in(dep, 1), in(mem, 1)}, mem.id, mem.name, ChairNotAuthorized},
		{"nobody", 1, []att{away(sec, 1), away(dep, 1), in(mem, 1)}, 0, "", ChairNone},
		// The secretary who checked out at 09:00 did not chair to the end.
		{"secretary chairs and leaves early", 1, []att{left(sec, 1), in(dep, 1)}, sec.id, sec.name, ChairLeftEarly},
		{"secretary leaves early, deputy takes over", 1, []att{left(sec, 1), in(dep, 1)}, dep.id, dep.name, ChairLeftEarly},
		// A room without a console is still chaired: by whom the rule names.
		{"no console, secretary in", 1, []att{in(sec, 1), in(dep, 1)}, 0, sec.name, ChairOK},
		{"no console, deputy in, secretary away", 1, []att{away(sec, 1), in(dep, 1)}, 0, dep.name, ChairOK},
		{"no console, secretary left early", 1, []att{left(sec, 1)}, 0, sec.name, ChairLeftEarly},
		// A room of two chi bộ is chaired by one of their secretaries.
		{"shared point, one secretary chairs, the other present", 1, []att{in(sec, 1), in(sec2, 1)}, sec2.id, sec2.name, ChairOK},
		{"shared point, no console, another cell's secretary in", 1, []att{away(sec, 1), in(sec2, 1)}, 0, sec2.name, ChairOK},
		// The secretary of a chi bộ under the point's đảng bộ is no officer of the point.
		{"đảng bộ point, its deputy chairs, a chi bộ secretary present", 9,
			[]att{away(secDB, 9), in(depDB, 9), in(secCB, 9)}, depDB.id, depDB.name, ChairOK},
		{"đảng bộ point, no console, only a chi bộ secretary in", 9, []att{away(secDB, 9), away(depDB, 9), in(secCB, 9)}, 0, "", ChairNone},
		// Another point's secretary who checked in here, and the point's secretary who
		// checked in at another point, do not make the deputy's chair wrong.
		{"another point's secretary checked in here", 1, []att{away(sec, 1), in(dep, 1), {p: sec5, invited: 5, at: 1}},
			dep.id, dep.name, ChairOK},
		{"the point's secretary checked in elsewhere", 1, []att{{p: sec, invited: 1, at: 5}, in(dep, 1)}, dep.id, dep.name, ChairOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ReportInput{Conference: c, Points: points, Names: names, Now: rpAt(12, 0), PointID: tt.point}
			for _, a := range tt.people {
				var oi OutcomeInput
				if a.at != 0 {
					oi.CheckIn = rpCheckIn(a.p.id, a.at, rpAt(7, 50))
					if !a.out.IsZero() {
						oi.CheckIn.CheckedOutAt = &a.out
					}
				}
				in.Outcomes = append(in.Outcomes, rpOutcome(&c, a.invited, "Điểm cầu", a.p, oi))
			}
			if tt.console != 0 {
				in.Presence = []PresenceInterval{{PointID: tt.point, ChairMemberID: &tt.console, StartedAt: rpAt(7, 40)}}
			}
			ps := BuildConferenceReport(in).Points[0]
			chair := ""
			if ps.Chair != nil {
				chair = ps.Chair.FullName
			}
			if ps.ChairStatus != tt.want || chair != tt.wantChair {
				t.Errorf("got %s chaired by %q, want %s by %q", ps.ChairStatus, chair, tt.want, tt.wantChair)
			}
		})
	}
}

func TestBuildMemberReport(t *testing.T) {
	c1, c2, c3 := rpConference(StatusClosed), rpConference(StatusLive), rpConference(StatusClosed)
	c1.ID, c2.ID, c3.ID = 1, 2, 3
	c2.StartsAt, c2.EndsAt = c1.StartsAt.Add(48*time.Hour), c1.EndsAt.Add(48*time.Hour)
	c3.StartsAt, c3.EndsAt = c1.StartsAt.Add(-48*time.Hour), c1.EndsAt.Add(-48*time.Hour)
	c1.Title, c2.Title, c3.Title = "Hội nghị B", "Hội nghị C", "Hội nghị A"
	decided := rpAt(7, 0)
	ex := &AbsenceRequest{ID: 1, Kind: KindExplanation, Category: CategoryOmDau, Reason: "Sốt cao",
		Decision: Decision{Status: DecisionApproved, DecidedByAccountID: rpPtr(int64(500)), DecidedAt: &decided}}
	os := []InvitationOutcome{
		rpOutcome(&c1, 1, "Điểm cầu 1", rpDuc, OutcomeInput{Absence: ex}),
		rpOutcome(&c2, 2, "Điểm cầu 2", rpDuc, OutcomeInput{CheckIn: rpCheckIn(rpDuc.id, 2, c2.StartsAt.Add(20*time.Minute)), Now: c2.StartsAt.Add(time.Hour)}),
		rpOutcome(&c3, 3, "Điểm cầu 3", rpDuc, OutcomeInput{}),
	}
	r := BuildMemberReport(MemberReportInput{Member: Member{ID: rpDuc.id, Code: rpDuc.code, FullName: rpDuc.name},
		OrganizationName: "Chi bộ 1", Now: rpAt(12, 0), Outcomes: os, Names: rpNames,
		Conferences: map[int64]Conference{1: c1, 2: c2, 3: c3}})
	var got []string
	for _, e := range r.Entries {
		got = append(got, fmt.Sprintf("%s %s final=%v by=%s checkedIn=%v", e.Title, e.Status, e.Final, e.DecidedBy, e.CheckedInAt != nil))
	}
	want := []string{
		"Hội nghị A unexcused final=true by= checkedIn=false",
		"Hội nghị B excused final=true by=Văn phòng Đảng uỷ Khối checkedIn=false",
		"Hội nghị C late final=false by= checkedIn=true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("entries:\n got %q\nwant %q", got, want)
	}
	if r.Tally.Invited != 3 || r.Tally.Late != 1 || r.Tally.Excused != 1 || r.Tally.Unexcused != 1 {
		t.Errorf("tally: got %+v", r.Tally)
	}
	if r.Entries[1].Basis != BasisExplanation {
		t.Errorf("basis: got %q, want explanation", r.Entries[1].Basis)
	}
}

// rpYearReport is a year of a đảng bộ (1) with two cells (11, 12): it held one
// conference and its members were invited to two.
func rpYearReport(now time.Time) *OrganizationYearReport {
	root := Organization{ID: 1, Name: "Đảng bộ Khối các cơ quan tỉnh", Kind: KindDangBo}
	units := []Organization{{ID: 12, Name: "Chi bộ Sở Tư pháp", Kind: KindChiBo}, root,
		{ID: 11, Name: "Chi bộ Ban Tuyên giáo Tỉnh uỷ", Kind: KindChiBo}}
	r := NewOrganizationYearReport(root, &Organization{ID: 100, Name: "Đảng bộ tỉnh Hoà Bình"}, 2026, now, units)
	c1, c2 := rpConference(StatusClosed), rpConference(StatusClosed)
	c1.ID, c2.ID = 1, 2
	c2.StartsAt, c2.EndsAt, c2.Title = rpAt(8, 0).Add(-240*time.Hour), rpAt(11, 0).Add(-240*time.Hour), "Hội nghị Ban Chấp hành Trung ương"
	outsider := rpPerson{99, "X", "Người ngoài", PositionMember, 77, false}
	in := rpInput(StatusClosed, rpAt(12, 0))
	r.AddOrganized(c1, 1, "Đảng uỷ Khối các cơ quan tỉnh", 4, in.Outcomes)
	r.AddAttended(c1, "Đảng uỷ Khối các cơ quan tỉnh", in.Outcomes)
	r.AddAttended(c2, "Ban Chấp hành Trung ương", []InvitationOutcome{
		rpOutcome(&c2, 1, "Điểm cầu", rpDuong, OutcomeInput{CheckIn: rpCheckIn(rpDuong.id, 1, c2.StartsAt)}),
		rpOutcome(&c2, 1, "Điểm cầu", rpBinh, OutcomeInput{CheckIn: rpCheckIn(rpBinh.id, 1, c2.StartsAt)}),
		rpOutcome(&c2, 1, "Điểm cầu", outsider, OutcomeInput{}),
	})
	// A conference with none of the units' members is not counted.
	r.AddAttended(c2, "Khác", []InvitationOutcome{rpOutcome(&c2, 1, "Điểm cầu", outsider, OutcomeInput{})})
	r.Finish()
	return r
}

func TestOrganizationYearReport(t *testing.T) {
	r := rpYearReport(time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC))
	if r.Totals.Organized != 1 || r.Totals.Conferences != 2 || len(r.Attended) != 2 || len(r.Organized) != 1 {
		t.Fatalf("totals: got %+v", r.Totals)
	}
	if r.Attended[0].ConferenceID != 2 {
		t.Errorf("attended not in date order: first is %d", r.Attended[0].ConferenceID)
	}
	var names []string
	for _, u := range r.Units {
		names = append(names, fmt.Sprintf("%s organized=%d conferences=%d invited=%d", u.Name, u.Organized, u.Conferences, u.Invited))
	}
	want := []string{
		"Đảng bộ Khối các cơ quan tỉnh organized=1 conferences=0 invited=0",
		"Chi bộ Ban Tuyên giáo Tỉnh uỷ organized=0 conferences=2 invited=8",
		"Chi bộ Sở Tư pháp organized=0 conferences=2 invited=6",
	}
	if !slices.Equal(names, want) {
		t.Errorf("units:\n got %q\nwant %q", names, want)
	}
	// Members of cells 11 and 12 at conference 1 (12 invitations) and 2 at conference 2.
	if r.Totals.Invited != 14 || r.Totals.Attended() != 9 {
		t.Errorf("totals tally: got %+v (attended %d)", r.Totals.Tally, r.Totals.Attended())
	}
	var sec Tally
	for _, p := range r.Totals.ByPosition {
		if p.Position == PositionSecretary {
			sec = p.Tally
		}
	}
	if sec.Invited != 4 || sec.Attended() != 3 {
		t.Errorf("secretaries: got %+v", sec)
	}
	if r.Organized[0].Invited != 15 {
		t.Errorf("organized conference counts every invitation: got %d, want 15", r.Organized[0].Invited)
	}
	if !r.Final {
		t.Error("a past year of closed conferences is not final")
	}
	if rpYearReport(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)).Final {
		t.Error("a year not over is final")
	}
}

func TestYearBounds(t *testing.T) {
	from, to := YearBounds(2026)
	if want := time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC); !from.Equal(want) {
		t.Errorf("from = %v, want %v", from, want)
	}
	if want := time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC); !to.Equal(want) {
		t.Errorf("to = %v, want %v", to, want)
	}
}

// keep writes a generated file to -report.keep, if set.
func keep(t *testing.T, name string, data []byte) string {
	t.Helper()
	dir := *reportKeep
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readCSV checks the framing of an exported CSV (BOM, CRLF) and parses it.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Fatalf("CSV does not start with a UTF-8 byte order mark: % x", b[:min(len(b), 8)])
	}
	if !bytes.HasSuffix(b, []byte("\r\n")) || bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
		t.Errorf("CSV lines do not all end in CRLF")
	}
	rd := csv.NewReader(bytes.NewReader(b[3:]))
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return rows
}

// column returns the cells of the column headed name, without the header.
func column(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	i := slices.Index(rows[0], name)
	if i < 0 {
		t.Fatalf("no column %q in %q", name, rows[0])
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

func TestWriteCSV(t *testing.T) {
	r := BuildConferenceReport(rpInput(StatusLive, rpAt(10, 30)))
	t.Run("points", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WritePointsCSV(&buf, &r); err != nil {
			t.Fatal(err)
		}
		keep(t, "points.csv", buf.Bytes())
		rows := readCSV(t, buf.Bytes())
		for _, h := range []string{"Điểm cầu", "Dự kiến", "Có mặt", "Đến muộn", "Về sớm", "Dự thay", "Vắng có lý do", "Chờ duyệt",
			"Vắng không lý do", "Tỷ lệ", "Mất kết nối (lần)", "Chủ trì"} {
			if !slices.Contains(rows[0], h) {
				t.Errorf("header lacks %q: %q", h, rows[0])
			}
		}
		if len(rows) != 6 {
			t.Fatalf("got %d rows, want header, 4 points, totals", len(rows))
		}
		if got := column(t, rows, "Điểm cầu"); got[1] != "Điểm cầu Sở Tư pháp" || got[4] != "Tổng cộng" {
			t.Errorf("points: got %q", got)
		}
		if got := column(t, rows, "Tỷ lệ"); !slices.Equal(got, []string{"50,0%", "80,0%", "33,3%", "", "57,1%"}) {
			t.Errorf("rates: got %q", got)
		}
		if got := column(t, rows, "Mất kết nối (phút)"); got[1] != "10" || got[4] != "10" {
			t.Errorf("downtime: got %q", got)
		}
		if got := column(t, rows, "Chủ trì"); got[0] != "Nguyễn Thị Thuỳ Dương" {
			t.Errorf("chair: got %q", got)
		}
	})
	t.Run("absentees", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteAbsenteesCSV(&buf, &r); err != nil {
			t.Fatal(err)
		}
		keep(t, "absentees.csv", buf.Bytes())
		rows := readCSV(t, buf.Bytes())
		if len(rows) != 1+len(r.Absentees) {
			t.Fatalf("got %d rows, want %d", len(rows), 1+len(r.Absentees))
		}
		names := column(t, rows, "Họ và tên")
		if names[0] != "Hoàng Thị Hải Yến" || names[1] != "'=Phùng Thanh Tùng" {
			t.Errorf("names: got %q (a leading = must be neutralised)", names)
		}
		if got := column(t, rows, "Người duyệt")[0]; got != "Văn phòng Đảng uỷ Khối" {
			t.Errorf("approver: got %q", got)
		}
		if got := column(t, rows, "Thời điểm duyệt")[0]; got != "07/02/2026 07:15" {
			t.Errorf("decision time: got %q, want 07/02/2026 07:15 (Vietnam time)", got)
		}
		if got := column(t, rows, "Lý do")[3]; got != "Đi công tác tại Hà Nội theo Quyết định số 15-QĐ/ĐUK" {
			t.Errorf("reason: got %q", got)
		}
		if got := column(t, rows, "Tình trạng"); !slices.Equal(got, []string{"Vắng có lý do", "Vắng không lý do", "Chờ duyệt",
			"Vắng có lý do", "Vắng không lý do", "Chờ duyệt"}) {
			t.Errorf("statuses: got %q", got)
		}
	})
	t.Run("flags", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteFlagsCSV(&buf, &r); err != nil {
			t.Fatal(err)
		}
		rows := readCSV(t, buf.Bytes())
		if got := column(t, rows, "Chi tiết")[0]; got != "Quên điện thoại, chủ trì điểm danh hộ" {
			t.Errorf("detail: got %q", got)
		}
	})
	t.Run("quoting", func(t *testing.T) {
		for in, want := range map[string]string{
			`Đi "công tác", Hà Nội`: `"Đi ""công tác"", Hà Nội"`,
			"dòng 1\ndòng 2":        "\"dòng 1\ndòng 2\"",
			"+84 912":               "'+84 912",
			"-1+1, x":               `"'-1+1, x"`,
			"@SUM(A1)":              "'@SUM(A1)",
			" cách":                 `" cách"`,
			"":                      "",
			"Bình thường":           "Bình thường",
		} {
			if got := string(appendCSVField(nil, in, true)); got != want {
				t.Errorf("field %q: got %s, want %s", in, got, want)
			}
		}
	})
}

// rpManyAbsentees is a report of n absentees with long, varied text.
func rpManyAbsentees(n int) *ConferenceReport {
	r := &ConferenceReport{Conference: rpConference(StatusClosed), Absentees: make([]Absentee, n)}
	decided := rpAt(7, 15)
	for i := range r.Absentees {
		r.Absentees[i] = Absentee{InvitationID: int64(i), MemberID: int64(i), MemberCode: fmt.Sprintf("DV%06d", i),
			FullName: "Nguyễn Thị Thuỳ Dương", Position: PositionMember, OrganizationName: "Chi bộ Ban Tuyên giáo Tỉnh uỷ",
			PointName: "Điểm cầu số " + fmt.Sprint(i%1000), Status: StatusExcused, AbsenceRecord: AbsenceRecord{
				Basis: BasisRequest, Category: CategoryCongTac, Reason: "Đi công tác, \"theo kế hoạch\" của cơ quan",
				Decision: DecisionApproved, DecidedBy: "Trần Văn Đức", DecidedAt: &decided, Note: "=đồng ý", FiledAt: decided}}
	}
	return r
}

// TestWriteAbsenteesCSV_Streams checks that the CSV is written as the report is
// walked: writing 100,000 rows allocates no more than writing 1,000 (a fixed buffer),
// so memory does not grow with the report.
func TestWriteAbsenteesCSV_Streams(t *testing.T) {
	measure := func(r *ConferenceReport) (uint64, int64) {
		var cw countingWriter
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := WriteAbsenteesCSV(&cw, r); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, cw.n
	}
	small, big := rpManyAbsentees(1_000), rpManyAbsentees(100_000)
	measure(small) // warm up
	smallAlloc, _ := measure(small)
	bigAlloc, bigBytes := measure(big)
	t.Logf("1,000 rows: %d B allocated; 100,000 rows: %d B allocated for %d B of CSV", smallAlloc, bigAlloc, bigBytes)
	if bigAlloc > 256<<10 || bigAlloc > 4*smallAlloc+64<<10 {
		t.Errorf("writing 100,000 rows allocated %d B (1,000 rows: %d B), want a bound independent of the rows", bigAlloc, smallAlloc)
	}
	if bigBytes < 100_000*100 {
		t.Errorf("wrote only %d B for 100,000 rows", bigBytes)
	}
	allocs := testing.AllocsPerRun(3, func() { WriteAbsenteesCSV(io.Discard, big) })
	if allocs > 50 {
		t.Errorf("WriteAbsenteesCSV of 100,000 rows: %v allocations, want a fixed few", allocs)
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func TestWriteMemberCSV(t *testing.T) {
	c := rpConference(StatusClosed)
	r := BuildMemberReport(MemberReportInput{Member: Member{ID: rpYen.id, FullName: rpYen.name}, Now: rpAt(12, 0),
		Conferences: map[int64]Conference{7: c}, Names: rpNames,
		Outcomes: rpInput(StatusClosed, rpAt(12, 0)).Outcomes[2:3]})
	var buf bytes.Buffer
	if err := WriteMemberCSV(&buf, &r); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if len(rows) != 2 || column(t, rows, "Hội nghị")[0] != c.Title || column(t, rows, "Kết quả")[0] != "Vắng có lý do" ||
		column(t, rows, "Người duyệt")[0] != "Văn phòng Đảng uỷ Khối" {
		t.Errorf("rows: %q", rows)
	}
}

func TestWriteOrganizationYearCSV(t *testing.T) {
	r := rpYearReport(rpAt(12, 0))
	for part, want := range map[string]int{OrgPartUnits: 5, OrgPartOrganized: 2, OrgPartAttended: 3} {
		t.Run(part, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteOrganizationYearCSV(&buf, r, part); err != nil {
				t.Fatal(err)
			}
			rows := readCSV(t, buf.Bytes())
			if len(rows) != want {
				t.Errorf("got %d rows, want %d: %q", len(rows), want, rows)
			}
		})
	}
}

// readXLSX reopens a workbook and returns its sheets' rows.
func readXLSX(t *testing.T, b []byte) (*excelize.File, map[string][][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("reopen xlsx: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	out := map[string][][]string{}
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatalf("rows of %s: %v", s, err)
		}
		out[s] = rows
	}
	return f, out
}

func TestWriteConferenceXLSX(t *testing.T) {
	r := BuildConferenceReport(rpInput(StatusClosed, rpAt(11, 0).Add(80*time.Hour)))
	// An NFD name must come back exactly as stored.
	nfd := norm.NFD.String("Hoàng Thị Hải Yến")
	r.Absentees[0].FullName = nfd
	var buf bytes.Buffer
	if err := WriteConferenceXLSX(&buf, &r); err != nil {
		t.Fatal(err)
	}
	path := keep(t, "report.xlsx", buf.Bytes())
	f, sheets := readXLSX(t, buf.Bytes())
	if got := f.GetSheetList(); !slices.Equal(got, []string{SheetSummary, SheetAbsentees, SheetDelegates, SheetFlags, SheetInfo}) {
		t.Fatalf("sheets: got %q", got)
	}
	// Khoa's substitute, a member of another chi bộ, with what the approver was warned of.
	if got := sheets[SheetDelegates]; len(got) != 2 || got[1][2] != rpKhoa.name || got[1][7] != rpSub.name ||
		!strings.Contains(got[1][11], "không phải cấp phó") {
		t.Errorf("delegates: got %q", got)
	}
	sum := sheets[SheetSummary]
	if !slices.Equal(sum[0], pointsHeader) {
		t.Errorf("summary header: got %q", sum[0])
	}
	if len(sum) != 6 || sum[1][1] != "Điểm cầu Ban Tuyên giáo Tỉnh uỷ" || sum[5][1] != "Tổng cộng" {
		t.Errorf("summary rows: got %q", sum)
	}
	abs := sheets[SheetAbsentees]
	if len(abs) != 1+len(r.Absentees) {
		t.Fatalf("absentees: got %d rows, want %d", len(abs), 1+len(r.Absentees))
	}
	if abs[1][2] != nfd || abs[2][2] != "=Phùng Thanh Tùng" {
		t.Errorf("names not byte-exact: got %q and %q", abs[1][2], abs[2][2])
	}
	i := slices.Index(abs[0], "Người duyệt")
	if abs[1][i] != "Văn phòng Đảng uỷ Khối" || abs[1][i+1] != "07/02/2026 07:15" {
		t.Errorf("approver and time: got %q, %q", abs[1][i], abs[1][i+1])
	}
	// The rate is a number with a percent format, not text.
	rateCol := slices.Index(sum[0], "Tỷ lệ")
	cell, _ := excelize.CoordinatesToCellName(rateCol+1, 2)
	if v, err := f.GetCellValue(SheetSummary, cell, excelize.Options{RawCellValue: true}); err != nil || v != "0.5" {
		t.Errorf("rate cell %s: got %q, %v; want the number 0.5", cell, v, err)
	}
	if got := sheets[SheetFlags]; len(got) != 1+len(r.Flags) || got[1][5] != "Điểm danh hộ" {
		t.Errorf("flags: got %q", got)
	}
	info := sheets[SheetInfo]
	if info[1][1] != r.Conference.Title || !strings.Contains(fmt.Sprint(info), "Chính thức") {
		t.Errorf("info: got %q", info)
	}
	if last := info[len(info)-1]; len(last) != 2 || last[0] != "Đầu chuỗi nhật ký khi khoá sổ" || last[1] != "#1234 · "+rpAuditHash {
		t.Errorf("info: got %q, want the audit head last", last)
	}
	if h, err := ParseAuditHead(info[len(info)-1][1]); err != nil || h != (AuditHead{1234, rpAuditHash}) {
		t.Errorf("the head printed does not read back: %+v, %v", h, err)
	}
	for _, s := range []string{SheetSummary, SheetAbsentees, SheetFlags} {
		panes, err := f.GetPanes(s)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s: panes %+v, %v; want the header frozen", s, panes, err)
		}
		style, err := f.GetCellStyle(s, "A1")
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(style)
		if err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s: header style %+v, want bold", s, st)
		}
		if w, err := f.GetColWidth(s, "B"); err != nil || w < 10 {
			t.Errorf("%s: column B width %v, %v", s, w, err)
		}
	}
	libreOfficeCheck(t, path, "Điểm cầu Ban Tuyên giáo Tỉnh uỷ")
}

// libreOfficeCheck converts an XLSX to CSV with LibreOffice, when it is installed, as
// an independent reader of the file.
func libreOfficeCheck(t *testing.T, path, want string) {
	t.Helper()
	bin, err := exec.LookPath("libreoffice")
	if err != nil {
		if bin, err = exec.LookPath("soffice"); err != nil {
			t.Log("LibreOffice is not installed; skipping the LibreOffice check of the workbook")
			return
		}
	}
	out, profile := t.TempDir(), t.TempDir()
	// The filter options ask for UTF-8 (76) with commas and quotes: without them
	// LibreOffice writes the CSV in a legacy code page and Vietnamese comes out as "?".
	// A profile of its own keeps parallel runs from colliding.
	cmd := exec.Command(bin, "-env:UserInstallation=file://"+profile, "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", out, path)
	cmd.Env = append(os.Environ(), "HOME="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, b)
	}
	b, err := os.ReadFile(filepath.Join(out, strings.TrimSuffix(filepath.Base(path), ".xlsx")+".csv"))
	if err != nil || !strings.Contains(string(b), want) {
		t.Errorf("LibreOffice's CSV lacks %q: %v\n%s", want, err, b)
	}
}

func TestWriteOrganizationYearXLSX(t *testing.T) {
	r := rpYearReport(rpAt(12, 0))
	var buf bytes.Buffer
	if err := WriteOrganizationYearXLSX(&buf, r); err != nil {
		t.Fatal(err)
	}
	keep(t, "year.xlsx", buf.Bytes())
	f, sheets := readXLSX(t, buf.Bytes())
	if got := f.GetSheetList(); !slices.Equal(got, []string{SheetStats, SheetUnits, SheetOrganized, SheetAttended}) {
		t.Fatalf("sheets: got %q", got)
	}
	if got := sheets[SheetUnits]; len(got) != 5 || got[2][1] != "Chi bộ Ban Tuyên giáo Tỉnh uỷ" || got[4][1] != "Tổng cộng" {
		t.Errorf("units: got %q", got)
	}
	if got := sheets[SheetStats]; got[0][1] != "Năm 2026" || got[1][1] != "1" || got[2][1] != "2" {
		t.Errorf("stats: got %q", got)
	}
	if got := sheets[SheetAttended]; len(got) != 3 || got[1][1] != "Hội nghị Ban Chấp hành Trung ương" {
		t.Errorf("attended: got %q", got)
	}
}

// pdfText extracts a PDF's text with poppler's pdftotext, in reading order.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; cannot check the PDF's text")
	}
	out, err := exec.Command(bin, "-raw", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// pdfPages counts a PDF's pages from pdfinfo, or 0 if it is missing.
func pdfPages(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "Pages:"); ok {
			var n int
			fmt.Sscan(strings.TrimSpace(v), &n)
			return n
		}
	}
	return 0
}

// between returns the text after the first from up to the next to (or the end).
func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	if i := strings.Index(after, to); i >= 0 {
		return after[:i]
	}
	return after
}

// squash joins a text's words with single spaces, so that wrapped lines compare.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestWriteConferencePDF(t *testing.T) {
	opt := DocumentOptions{Place: "Hoà Bình", Number: "12-BC/ĐUK", Signer: "Nguyễn Văn Phó"}
	t.Run("provisional", func(t *testing.T) {
		r := BuildConferenceReport(rpInput(StatusLive, rpAt(10, 30)))
		// A name stored decomposed prints as its precomposed form.
		r.Absentees[0].FullName = norm.NFD.String("Hoàng Thị Hải Yến")
		var buf bytes.Buffer
		if err := WriteConferencePDF(&buf, &r, opt); err != nil {
			t.Fatal(err)
		}
		path := keep(t, "report-live.pdf", buf.Bytes())
		text := pdfText(t, path)
		flat := squash(text)
		for _, want := range []string{"ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ TỈNH HOÀ BÌNH", "ĐẢNG UỶ KHỐI CÁC CƠ QUAN TỈNH",
			"Số: 12-BC/ĐUK", "Hoà Bình, ngày 07 tháng 02 năm 2026", "BÁO CÁO", "(tạm thời)",
			"Nguyễn Thị Thuỳ Dương", "Trần Văn Đức", "Hoàng Thị Hải Yến", "Phạm Thị Lan", "Văn phòng Đảng uỷ Khối",
			"Nằm viện điều trị, có giấy của bệnh viện", "Điểm cầu Ban Tuyên giáo Tỉnh uỷ", "Nơi nhận:", "Lưu Văn phòng",
			"T/M BAN TỔ CHỨC", "Nguyễn Văn Phó", "Số liệu tính đến 10:30 07/02/2026", "1 lần", "10 phút"} {
			if !strings.Contains(flat, want) {
				t.Errorf("PDF text lacks %q", want)
			}
		}
		if strings.Contains(flat, "(chính thức)") {
			t.Error("a provisional report says (chính thức)")
		}
		if strings.Contains(flat, "Đầu chuỗi nhật ký") {
			t.Error("a provisional report prints an audit head")
		}
		render(t, path)
	})
	t.Run("final", func(t *testing.T) {
		r := BuildConferenceReport(rpInput(StatusClosed, rpAt(11, 0).Add(80*time.Hour)))
		var buf bytes.Buffer
		if err := WriteConferencePDF(&buf, &r, DocumentOptions{}); err != nil {
			t.Fatal(err)
		}
		path := keep(t, "report-final.pdf", buf.Bytes())
		flat := squash(pdfText(t, path))
		// Dated at the closing (10/02/2026 11:00 Vietnam time), wherever it is printed.
		for _, want := range []string{"(chính thức)", "ngày 10 tháng 02 năm 2026", "Số: …-BC/…", "Hội nghị đã khoá sổ",
			"Đầu chuỗi nhật ký khi khoá sổ: #1234 · " + rpAuditHash} {
			if !strings.Contains(flat, want) {
				t.Errorf("PDF text lacks %q", want)
			}
		}
		if strings.Contains(flat, "(tạm thời)") {
			t.Error("a final report says (tạm thời)")
		}
		// Thu's request was never decided: pending, not unexcused, in the row and in
		// the count (docs/design.md §10.5).
		row := between(flat, "DV0007", "DV0021")
		if !strings.Contains(row, "Chờ duyệt") || strings.Contains(row, "Vắng không lý do") {
			t.Errorf("the pending request prints as %q, want Chờ duyệt and not Vắng không lý do", row)
		}
		if !strings.Contains(flat, "chờ duyệt 2, vắng không lý do 2") {
			t.Errorf("the count of absences does not keep the 2 pending apart from the 2 unexcused")
		}
	})
	t.Run("long tables break across pages with their header", func(t *testing.T) {
		r := rpManyAbsentees(400)
		r.Points = []PointSummary{{PointID: 1, Name: "Điểm cầu duy nhất"}}
		r.Absentees[0].Reason = strings.Repeat("Lý do rất dài được viết nhiều lần. ", 120)
		var buf bytes.Buffer
		if err := WriteConferencePDF(&buf, r, DocumentOptions{}); err != nil {
			t.Fatal(err)
		}
		path := keep(t, "report-long.pdf", buf.Bytes())
		text := pdfText(t, path)
		pages := pdfPages(t, path)
		if pages < 10 {
			t.Fatalf("got %d pages for 400 absentees, want many", pages)
		}
		if !strings.Contains(text, "DV000399") {
			t.Error("the last absentee is missing")
		}
		t.Run("cut at the row limit", func(t *testing.T) {
			defer func(n int) { pdfRowLimit = n }(pdfRowLimit)
			pdfRowLimit = 50
			var buf bytes.Buffer
			if err := WriteConferencePDF(&buf, r, DocumentOptions{}); err != nil {
				t.Fatal(err)
			}
			flat := squash(pdfText(t, keep(t, "report-cut.pdf", buf.Bytes())))
			if !strings.Contains(flat, "DV000049") || strings.Contains(flat, "DV000050") {
				t.Error("the PDF does not list exactly the first 50 absentees")
			}
			if !strings.Contains(flat, "Danh sách có 400 trường hợp vắng mặt; bản PDF liệt kê 50 trường hợp vắng mặt đầu tiên") {
				t.Error("the PDF does not say that the list was cut")
			}
		})
		for p := 2; p <= pages; p++ {
			page, _ := exec.Command("pdftotext", "-raw", "-f", fmt.Sprint(p), "-l", fmt.Sprint(p), "-enc", "UTF-8", path, "-").Output()
			if strings.Contains(string(page), "DV000") && !strings.Contains(string(page), "Người duyệt, thời") {
				t.Errorf("page %d lists absentees without the table's header", p)
			}
			// The numbers are drawn last, so raw order puts them at the end.
			if f := strings.Fields(string(page)); len(f) == 0 || f[len(f)-1] != fmt.Sprint(p) {
				t.Errorf("page %d does not carry its number: …%q", p, f[max(0, len(f)-3):])
				break
			}
		}
	})
}

func TestWriteOrganizationYearPDF(t *testing.T) {
	r := rpYearReport(rpAt(12, 0))
	var buf bytes.Buffer
	if err := WriteOrganizationYearPDF(&buf, r, DocumentOptions{Place: "Hoà Bình"}); err != nil {
		t.Fatal(err)
	}
	path := keep(t, "year.pdf", buf.Bytes())
	flat := squash(pdfText(t, path))
	for _, want := range []string{"ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ KHỐI CÁC CƠ QUAN TỈNH", "năm 2026", "(tạm thời)",
		"Chi bộ Ban Tuyên giáo Tỉnh uỷ", "Hội nghị Ban Chấp hành Trung ương", "Thống kê", "Tổng cộng", "T/M ĐẢNG UỶ BÍ THƯ"} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	render(t, path)
}

// render draws a PDF's first page as PNG with pdftoppm (next to the kept file), for a
// person to look at; it only checks that poppler can render it.
func render(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Log("pdftoppm is not installed; not rendering")
		return
	}
	if out, err := exec.Command(bin, "-png", "-r", "70", path, strings.TrimSuffix(path, ".pdf")).CombinedOutput(); err != nil {
		t.Errorf("pdftoppm: %v\n%s", err, out)
	}
}

// BenchmarkWriteReport writes a report of 100,000 absentees over 1,000 points in
// each format.
func BenchmarkWriteReport(b *testing.B) {
	r := rpManyAbsentees(100_000)
	r.Points = make([]PointSummary, 1000)
	for i := range r.Points {
		r.Points[i] = PointSummary{PointID: int64(i), Name: fmt.Sprintf("Điểm cầu số %d", i), Connected: true,
			Tally: Tally{Invited: 100, Present: 80, Excused: 20}, ChairStatus: ChairOK}
	}
	for _, w := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"csv-absentees", func(w io.Writer) error { return WriteAbsenteesCSV(w, r) }},
		{"csv-points", func(w io.Writer) error { return WritePointsCSV(w, r) }},
		{"xlsx", func(w io.Writer) error { return WriteConferenceXLSX(w, r) }},
		{"pdf", func(w io.Writer) error { return WriteConferencePDF(w, r, DocumentOptions{}) }},
	} {
		b.Run(w.name, func(b *testing.B) {
			var n int64
			for b.Loop() {
				var cw countingWriter
				if err := w.write(&cw); err != nil {
					b.Fatal(err)
				}
				n = cw.n
			}
			b.ReportMetric(float64(n), "bytes/file")
		})
	}
}
