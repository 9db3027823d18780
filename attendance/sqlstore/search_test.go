package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
	"golang.org/x/text/unicode/norm"
)

// TestDB_SearchWithoutDiacritics: names are found as people type them on a phone,
// without diacritics or in capitals, on both databases; other text keeps its
// case-insensitive match.
func TestDB_SearchWithoutDiacritics(t *testing.T) {
	testdb.Each(t, clock(), func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		all := attendance.Scope{All: true}
		root := mustOrg(t, db, nil, "R", "Đảng bộ Khối các cơ quan tỉnh", attendance.KindDangBo)
		cell := mustOrg(t, db, &root.ID, "TP", "Chi bộ Sở Tư pháp", attendance.KindChiBo)
		mustOrg(t, db, &root.ID, "YT", "Chi bộ Sở Y tế", attendance.KindChiBo)
		duc := mustMember(t, db, cell.ID, "DV-01", "Trần Văn Đức", attendance.PositionMember)
		mustMember(t, db, cell.ID, "DV-02", "Nguyễn Thị Thuỳ Dương", attendance.PositionMember)
		mustMember(t, db, cell.ID, "DV-03", "Lê Văn Dực", attendance.PositionMember)
		conf := attendance.Conference{Title: "Hội nghị quán triệt Nghị quyết", StartsAt: t0, EndsAt: t0.Add(time.Hour)}
		if err := db.CreateConference(ctx, &conf); err != nil {
			t.Fatal(err)
		}
		point := attendance.Point{ConferenceID: conf.ID, Name: "Điểm cầu Sở Tư pháp", Location: "Phòng họp tầng 2",
			OrganizationIDs: []int64{cell.ID}}
		if err := db.CreatePoint(ctx, &point); err != nil {
			t.Fatal(err)
		}
		members := func(q string) []string {
			l, err := db.Members(ctx, attendance.MemberFilter{Query: q, Scope: all})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range l.Items {
				names = append(names, m.FullName)
			}
			slices.Sort(names)
			return names
		}
		for q, want := range map[string][]string{
			"tran van duc": {"Trần Văn Đức"},
			"TRẦN VĂN ĐỨC": {"Trần Văn Đức"},
			"duc":          {"Lê Văn Dực", "Trần Văn Đức"}, // without marks, marks do not tell them apart
			"thuy duong":   {"Nguyễn Thị Thuỳ Dương"},
			"dv-01":        {"Trần Văn Đức"}, // codes as before
			"hoàng":        nil,
		} {
			if got := members(q); !slices.Equal(got, want) {
				t.Errorf("members %q: %v, want %v", q, got, want)
			}
		}
		// A whole code, in any case: not the codes it is part of.
		mustMember(t, db, cell.ID, "DV-010", "Phạm Văn Mười", attendance.PositionMember)
		byCode, err := db.Members(ctx, attendance.MemberFilter{Code: "dv-01", Scope: all})
		if err != nil || byCode.Total != 1 || byCode.Items[0].ID != duc.ID {
			t.Errorf("the member of code dv-01: %+v %v", byCode.Items, err)
		}
		orgs, err := db.Organizations(ctx, attendance.OrganizationFilter{Query: "so tu phap", Scope: all})
		if err != nil || orgs.Total != 1 || orgs.Items[0].ID != cell.ID {
			t.Errorf("organizations \"so tu phap\": %+v %v", orgs.Items, err)
		}
		confs, err := db.Conferences(ctx, attendance.ConferenceFilter{Query: "quan triet nghi quyet", Scope: all})
		if err != nil || confs.Total != 1 {
			t.Errorf("conferences \"quan triet nghi quyet\": %+v %v", confs.Items, err)
		}
		for _, q := range []string{"diem cau so tu phap", "phong hop tang 2"} {
			points, err := db.Points(ctx, attendance.PointFilter{ConferenceID: conf.ID, Query: q, Scope: all})
			if err != nil || points.Total != 1 {
				t.Errorf("points %q: %+v %v", q, points.Items, err)
			}
		}
		invs, err := db.Invitations(ctx, attendance.InvitationFilter{ConferenceID: conf.ID, Query: "tran van duc", Scope: all})
		if err != nil || invs.Total != 1 || invs.Items[0].MemberID != duc.ID {
			t.Errorf("invitations \"tran van duc\": %+v %v", invs.Items, err)
		}
		if db.Dialect() == "postgres" {
			// The database's fold is the same as Go's, for every Vietnamese letter in
			// either case and either form.
			letters := []rune(attendance.FoldFrom)
			var names []string
			for i := 0; i < len(letters); i += 40 {
				names = append(names, string(letters[i:min(i+40, len(letters))]))
			}
			names = append(names, norm.NFD.String("Hoàng Thị Yến Đặng Ưng"))
			for i, name := range names {
				m := mustMember(t, db, cell.ID, fmt.Sprintf("DV-9%d", i), name, attendance.PositionMember)
				var folded string
				if err := db.Gorm().Raw("SELECT full_name_fold FROM members WHERE id = ?", m.ID).Scan(&folded).Error; err != nil {
					t.Fatal(err)
				}
				if folded != attendance.Fold(name) {
					t.Errorf("PostgreSQL folds %q to %q, Go to %q", name, folded, attendance.Fold(name))
				}
			}
		}
		// A name changed is found by its new name: the folded copy follows it.
		duc.FullName = "Trần Văn Đạt"
		if err := db.UpdateMember(ctx, &duc, ""); err != nil {
			t.Fatal(err)
		}
		if got := members("van dat"); !slices.Equal(got, []string{"Trần Văn Đạt"}) {
			t.Errorf("after the rename: %v", got)
		}
	})
}

// TestDB_NameOrder: members come in Vietnamese order ("Dương" before "Đặng", "Ánh"
// before "Yến"), however they were written: created, imported, renamed.
func TestDB_NameOrder(t *testing.T) {
	testdb.Each(t, clock(), func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		all := attendance.Scope{All: true}
		cell := mustOrg(t, db, nil, "A", "Chi bộ A", attendance.KindChiBo)
		vu := mustMember(t, db, cell.ID, "M1", "Vũ Thị Yến", attendance.PositionMember)
		mustMember(t, db, cell.ID, "M2", "Đặng Văn Bình", attendance.PositionMember)
		mustMember(t, db, cell.ID, "M3", "Lê Thị Ánh", attendance.PositionMember)
		if _, err := db.ImportMembers(ctx, attendance.Roster{Rows: []attendance.RosterRow{
			{Line: 2, Code: "M4", FullName: "Dương Văn Cường", OrgRef: "A", Position: attendance.PositionMember, Active: true},
			{Line: 3, Code: "M5", FullName: "Bùi Văn An", OrgRef: "A", Position: attendance.PositionMember, Active: true},
		}}); err != nil {
			t.Fatal(err)
		}
		conf := attendance.Conference{Title: "Hội nghị", StartsAt: t0, EndsAt: t0.Add(time.Hour)}
		if err := db.CreateConference(ctx, &conf); err != nil {
			t.Fatal(err)
		}
		point := attendance.Point{ConferenceID: conf.ID, Name: "Điểm cầu A", OrganizationIDs: []int64{cell.ID}}
		if err := db.CreatePoint(ctx, &point); err != nil {
			t.Fatal(err)
		}
		order := func() (members, roster []string) {
			l, err := db.Members(ctx, attendance.MemberFilter{Scope: all})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range l.Items {
				members = append(members, m.FullName)
			}
			r, err := db.PointRoster(ctx, point.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range r {
				roster = append(roster, e.Invitation.FullName)
			}
			return members, roster
		}
		want := []string{"Bùi Văn An", "Dương Văn Cường", "Đặng Văn Bình", "Lê Thị Ánh", "Vũ Thị Yến"}
		if members, roster := order(); !slices.Equal(members, want) || !slices.Equal(roster, want) {
			t.Errorf("members %q, roster %q; want %q", members, roster, want)
		}
		vu.FullName = "Âu Thị Yến"
		if err := db.UpdateMember(ctx, &vu, ""); err != nil {
			t.Fatal(err)
		}
		want = []string{"Âu Thị Yến", "Bùi Văn An", "Dương Văn Cường", "Đặng Văn Bình", "Lê Thị Ánh"}
		if members, _ := order(); !slices.Equal(members, want) {
			t.Errorf("after a rename: %q, want %q", members, want)
		}
	})
}

// TestDB_MembersNotInvitedTo: the members an organizer may still invite to a
// conference are those without a current invitation to it; a removed invitation or
// one to another conference does not hide a member.
func TestDB_MembersNotInvitedTo(t *testing.T) {
	testdb.Each(t, clock(), func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		cell := mustOrg(t, db, nil, "TP", "Chi bộ Sở Tư pháp", attendance.KindChiBo)
		other := mustOrg(t, db, nil, "YT", "Chi bộ Sở Y tế", attendance.KindChiBo)
		duc := mustMember(t, db, cell.ID, "DV-01", "Trần Văn Đức", attendance.PositionMember)
		duong := mustMember(t, db, cell.ID, "DV-02", "Nguyễn Thị Thuỳ Dương", attendance.PositionMember)
		yen := mustMember(t, db, other.ID, "DV-03", "Hoàng Thị Hải Yến", attendance.PositionMember)
		var confs [2]attendance.Conference
		var points [2]attendance.Point
		for i := range confs {
			confs[i] = attendance.Conference{Title: fmt.Sprintf("Hội nghị %d", i+1), StartsAt: t0.Add(24 * time.Hour),
				EndsAt: t0.Add(26 * time.Hour)}
			if err := db.CreateConference(ctx, &confs[i]); err != nil {
				t.Fatal(err)
			}
			points[i] = attendance.Point{ConferenceID: confs[i].ID, Name: "Điểm cầu Hội trường tỉnh"}
			if err := db.CreatePoint(ctx, &points[i]); err != nil {
				t.Fatal(err)
			}
		}
		invite := func(conf int, m attendance.Member) attendance.Invitation {
			inv := attendance.Invitation{ConferenceID: confs[conf].ID, PointID: points[conf].ID, MemberID: m.ID}
			if err := db.CreateInvitation(ctx, &inv); err != nil {
				t.Fatal(err)
			}
			return inv
		}
		invite(0, duc)
		removed := invite(0, duong)
		if err := db.DeleteInvitation(ctx, removed.ID); err != nil {
			t.Fatal(err)
		}
		invite(1, yen)
		l, err := db.Members(ctx, attendance.MemberFilter{NotInvitedTo: confs[0].ID, Scope: attendance.Scope{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range l.Items {
			got = append(got, m.Code)
		}
		if want := []string{"DV-03", "DV-02"}; !slices.Equal(got, want) || l.Total != 2 {
			t.Errorf("not invited to the first conference: %v (total %d), want %v", got, l.Total, want)
		}
	})
}
