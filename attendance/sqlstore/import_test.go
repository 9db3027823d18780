package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// TestDB_ImportMembers_OnePass: a roster with bad rows of every kind is refused with
// every problem at once — the file's own as read and the registry's (an unknown
// organization, a name two organizations share), on the bad rows too — ordered as the
// file reads, and nothing is written; fixed, it imports. Issue 10, point 7.
func TestDB_ImportMembers_OnePass(t *testing.T) {
	testdb.Each(t, clock(), func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		root := mustOrg(t, db, nil, "DB", "Đảng bộ Khối", attendance.KindDangBo)
		mustOrg(t, db, &root.ID, "CB01", "Chi bộ Văn phòng", attendance.KindChiBo)
		mustOrg(t, db, &root.ID, "CB02", "Chi bộ Kỹ thuật", attendance.KindChiBo)
		mustOrg(t, db, &root.ID, "CB03", "Chi bộ Kỹ thuật", attendance.KindChiBo) // the same name as CB02
		csv := "Mã đảng viên;Họ và tên;Mã tổ chức;Chức vụ;Miễn sinh hoạt;Điện thoại\n" +
			"DV01;Nguyễn Văn An;CB01;bi thu;;\n" + // 2: good
			"DV02;Trần Thị Bình;CB-KHONG-CO;;;\n" + // 3: unknown organization alone
			"DV03;Lê Văn Cường;CB-SAI;Chủ tịch;có lẽ;gọi sau\n" + // 4: unknown organization with the row's own problems
			"dv01;Phạm Thị Dung;cb01;;;\n" + // 5: the code of line 2 in small letters
			"DV05;;Chi bộ Kỹ thuật;;;\n" + // 6: no name, an organization name two share
			"DV06;Hoàng Văn Em;;PHÓ BÍ THƯ;x;\n" // 7: no organization: not looked up
		ro, err := attendance.ReadRoster(strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		before, err := db.Members(ctx, attendance.MemberFilter{Scope: attendance.Scope{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.ImportMembers(ctx, ro)
		var ve *attendance.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("ImportMembers() = %v, want a *ValidationError", err)
		}
		want := []attendance.FieldError{
			{Field: "organization", Code: attendance.CodeUnknown, Line: 3, Value: "CB-KHONG-CO"},
			{Field: "organization", Code: attendance.CodeUnknown, Line: 4, Value: "CB-SAI"},
			{Field: "position", Code: attendance.CodeOneOf, Param: "secretary,deputy,member", Line: 4, Value: "Chủ tịch"},
			{Field: "exempt", Code: attendance.CodeInvalid, Line: 4, Value: "có lẽ"},
			{Field: "phone", Code: attendance.CodeInvalid, Line: 4, Value: "gọi sau"},
			{Field: "code", Code: attendance.CodeDuplicate, Param: "2", Line: 5, Value: "dv01"},
			{Field: "fullName", Code: attendance.CodeRequired, Line: 6},
			{Field: "organization", Code: attendance.CodeInvalid, Line: 6, Value: "Chi bộ Kỹ thuật"},
			{Field: "organization", Code: attendance.CodeRequired, Line: 7},
		}
		if !slices.Equal(ve.Fields, want) {
			t.Errorf("problems\ngot  %+v\nwant %+v", ve.Fields, want)
		}
		after, err := db.Members(ctx, attendance.MemberFilter{Scope: attendance.Scope{All: true}})
		if err != nil || after.Total != before.Total {
			t.Errorf("members: %d → %d (%v), want nothing imported", before.Total, after.Total, err)
		}

		fixed := "Mã đảng viên;Họ và tên;Mã tổ chức;Chức vụ;Miễn sinh hoạt\n" +
			"DV01;Nguyễn Văn An;CB01;bi thu;\n" +
			"DV05;Vũ Thị Giang;cb03;pho bi thu;Có\n" +
			"DV06;Hoàng Văn Em;Chi bộ Văn phòng;ĐẢNG VIÊN;x\n"
		if ro, err = attendance.ReadRoster(strings.NewReader(fixed)); err != nil {
			t.Fatal(err)
		}
		res, err := db.ImportMembers(ctx, ro)
		if err != nil || res.Created != 3 {
			t.Fatalf("fixed roster: got %+v, %v; want 3 created", res, err)
		}
		l, err := db.Members(ctx, attendance.MemberFilter{Query: "DV0", Scope: attendance.Scope{All: true}})
		if err != nil || l.Total != 3 {
			t.Fatalf("members DV0…: got %+v, %v", l, err)
		}
		got := map[string]attendance.Member{}
		for _, m := range l.Items {
			got[m.Code] = m
		}
		if got["DV01"].Position != attendance.PositionSecretary || got["DV05"].Position != attendance.PositionDeputy ||
			!got["DV05"].Exempt || got["DV06"].Position != attendance.PositionMember || !got["DV06"].Exempt {
			t.Errorf("got %+v; want a secretary, an exempt deputy, an exempt member", got)
		}
	})
}

// TestDB_ImportMembers_BrokenFile: a CSV that breaks at some line has its rows before
// it checked against the registry too, and a roster whose only row is past the break
// is refused for the break, not as empty.
func TestDB_ImportMembers_BrokenFile(t *testing.T) {
	testdb.Each(t, clock(), func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mustOrg(t, db, nil, "CB01", "Chi bộ Văn phòng", attendance.KindChiBo)
		for _, c := range []struct {
			name, csv string
			want      []attendance.FieldError
		}{
			{"a bad row before the break", "Mã;Họ và tên;Tổ chức\nDV1;Nguyễn Văn An;CB09\nDV2;\"Trần Văn;CB01\n", []attendance.FieldError{
				{Field: "organization", Code: attendance.CodeUnknown, Line: 2, Value: "CB09"},
				{Field: "file", Code: attendance.CodeInvalid, Line: 3},
			}},
			{"the break first", "Mã;Họ và tên;Tổ chức\nDV2;\"Trần Văn;CB01\n", []attendance.FieldError{
				{Field: "file", Code: attendance.CodeInvalid, Line: 2},
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				ro, err := attendance.ReadRoster(strings.NewReader(c.csv))
				if err != nil {
					t.Fatal(err)
				}
				_, err = db.ImportMembers(ctx, ro)
				var ve *attendance.ValidationError
				if !errors.As(err, &ve) || !slices.Equal(ve.Fields, c.want) {
					t.Errorf("ImportMembers() = %v, want %+v", err, c.want)
				}
			})
		}
	})
}
