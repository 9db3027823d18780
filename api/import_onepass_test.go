package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/diemcau/diemcau/attendance"
)

// onePassRoster has bad rows of every kind at once: an unknown organization (line 3,
// found by the store), cells not of their column's form (line 4), a code given twice
// in another letter case (line 5), and a row with its own problems and an unknown
// organization both (line 6). The PIN of line 4 is a secret the answer must not repeat.
const onePassRoster = "\ufeffMã đảng viên;Họ và tên;Mã tổ chức;Chức vụ;Miễn sinh hoạt;Điện thoại;PIN\r\n" +
	"DV-P01;Nguyễn Văn Một;CB01;bi thu;;;\r\n" +
	"DV-P02;Trần Thị Hai;CB-KHONG-CO;;;;\r\n" +
	"DV-P03;Lê Văn Ba;CB01;Chủ tịch;có lẽ;gọi sau;7q7q\r\n" +
	"dv-p01;Phạm Thị Bốn;CB02;;;;\r\n" +
	"DV P05;;CB-ZZ;;;;\r\n"

// onePassProblem is one problem the API must list for onePassRoster, with its words.
type onePassProblem struct {
	line               int
	field, code, param string
	value              string
	vi, en             string
}

var onePassWant = []onePassProblem{
	{3, "organization", "unknown", "", "CB-KHONG-CO",
		"Dòng 3 · Mã tổ chức «CB-KHONG-CO»: không có tổ chức đảng nào có mã hoặc tên này; hãy sửa lại hoặc tạo tổ chức trước",
		"Line 3 · Mã tổ chức (organization) «CB-KHONG-CO»: no organization has this code or name; correct it or create the organization first"},
	{4, "position", "one_of", "secretary,deputy,member", "Chủ tịch",
		"Dòng 4 · Chức vụ «Chủ tịch»: phải là Bí thư, Phó bí thư hoặc Đảng viên (để trống là Đảng viên)",
		"Line 4 · Chức vụ (position) «Chủ tịch»: must be Bí thư (secretary), Phó bí thư (deputy) or Đảng viên (member); empty means member"},
	{4, "exempt", "invalid", "", "có lẽ",
		"Dòng 4 · Miễn sinh hoạt «có lẽ»: phải là Có hoặc Không (cũng nhận x, 1/0, yes/no, true/false; để trống là Không)",
		"Line 4 · Miễn sinh hoạt (exempt) «có lẽ»: must be Có (yes) or Không (no); x, 1/0, yes/no and true/false also work; empty means no"},
	{4, "phone", "invalid", "", "gọi sau",
		"Dòng 4 · Điện thoại «gọi sau»: phải là số điện thoại: 6 đến 20 ký tự gồm chữ số, dấu cách và . ( ) -, có thể bắt đầu bằng +",
		"Line 4 · Điện thoại (phone) «gọi sau»: must be a phone number: 6 to 20 characters of digits, spaces and . ( ) -, optionally starting with +"},
	{4, "pin", "invalid", "", "",
		"Dòng 4 · PIN: mã PIN phải gồm 4 đến 8 chữ số (không nhắc lại ở đây vì là mã bí mật)",
		"Line 4 · PIN: a PIN is 4 to 8 digits (not repeated here, as it is secret)"},
	{5, "code", "duplicate", "2", "dv-p01",
		"Dòng 5 · Mã đảng viên «dv-p01»: trùng mã với dòng 2; mỗi đảng viên chỉ ghi một dòng",
		"Line 5 · Mã đảng viên (member code) «dv-p01»: the same code as line 2; each member takes one line"},
	{6, "code", "invalid", "", "DV P05",
		"Dòng 6 · Mã đảng viên «DV P05»: mã chỉ gồm chữ, số và các dấu . _ / -, không có dấu cách, tối đa 32 ký tự",
		"Line 6 · Mã đảng viên (member code) «DV P05»: a code is letters, digits and . _ / - only, without spaces, at most 32 characters"},
	{6, "fullName", "required", "", "",
		"Dòng 6 · Họ và tên: bắt buộc, ô này đang trống",
		"Line 6 · Họ và tên (full name): required; the cell is empty"},
	{6, "organization", "unknown", "", "CB-ZZ",
		"Dòng 6 · Mã tổ chức «CB-ZZ»: không có tổ chức đảng nào có mã hoặc tên này; hãy sửa lại hoặc tạo tổ chức trước",
		"Line 6 · Mã tổ chức (organization) «CB-ZZ»: no organization has this code or name; correct it or create the organization first"},
}

// TestImport_OnePass: a roster with bad rows of different kinds gets every problem
// in one answer — the parser's and the store's — each with its line, the value found
// and the column's rule in the user's language, from the API and from the import page,
// in Vietnamese and English; nothing is imported. Issue 10, point 7.
func TestImport_OnePass(t *testing.T) {
	admEach(t, func(t *testing.T, s *admServer) {
		admSeed(t, s.db)
		admin := s.signIn(t, "quantri", attendance.RoleAdmin)
		_, before, _, _ := admCount(t, s.db)
		for _, lang := range []string{"vi", "en"} {
			t.Run("API/"+lang, func(t *testing.T) {
				res := admin.importAs(lang, "/api/v1/members/import", []byte(onePassRoster), "application/json")
				if res.Code != http.StatusUnprocessableEntity {
					t.Fatalf("got %d %s, want 422", res.Code, res.Body)
				}
				if strings.Contains(res.Body.String(), "7q7q") {
					t.Errorf("the answer repeats a PIN: %s", res.Body)
				}
				var p struct {
					Type   string
					Errors []struct {
						Field, Code, Param, Value, Message string
						Line                               int
					}
				}
				if err := json.Unmarshal(res.Body.Bytes(), &p); err != nil || p.Type != "/problems/validation" {
					t.Fatalf("got %s (%v), want a validation problem", res.Body, err)
				}
				if len(p.Errors) != len(onePassWant) {
					t.Errorf("got %d problems, want %d:\n%+v", len(p.Errors), len(onePassWant), p.Errors)
				}
				for i, w := range onePassWant {
					if i >= len(p.Errors) {
						break
					}
					msg := w.vi
					if lang == "en" {
						msg = w.en
					}
					e := p.Errors[i]
					if e.Line != w.line || e.Field != w.field || e.Code != w.code || e.Param != w.param || e.Value != w.value ||
						e.Message != msg {
						t.Errorf("problem %d:\ngot  %+v\nwant line %d %s %s param %q value %q %q", i, e, w.line, w.field, w.code,
							w.param, w.value, msg)
					}
				}
			})
			t.Run("page/"+lang, func(t *testing.T) {
				res := admin.importAs(lang, "/"+lang+"/admin/import", []byte(onePassRoster), "text/html")
				words := []string{"Chưa nhập đảng viên nào. Hãy sửa các lỗi dưới đây rồi tải tệp lên lại."}
				if lang == "en" {
					words = []string{"Nothing was imported. Fix the problems below and upload the file again."}
				}
				for _, w := range onePassWant {
					if lang == "en" {
						words = append(words, w.en)
					} else {
						words = append(words, w.vi)
					}
				}
				admWant(t, res, http.StatusUnprocessableEntity, words...)
				if !strings.Contains(res.Body.String(), `type="file"`) {
					t.Errorf("the page does not offer the form again")
				}
				if strings.Contains(res.Body.String(), "7q7q") || strings.Contains(res.Body.String(), "secretary,deputy,member") {
					t.Errorf("the page repeats a PIN or lists the positions by their JSON values")
				}
			})
		}
		if _, after, _, _ := admCount(t, s.db); after != before {
			t.Errorf("members: %d → %d, want nothing imported", before, after)
		}
	})
}

// TestImport_Words: positions written in Vietnamese with or without diacritics, in
// any case, and yes/no cells as people fill them (Có/Không, x, 1/0, yes/no,
// true/false) import as what they say, through the API and the page. Issue 10,
// point 7.
func TestImport_Words(t *testing.T) {
	admEach(t, func(t *testing.T, s *admServer) {
		admSeed(t, s.db)
		admin := s.signIn(t, "quantri", attendance.RoleAdmin)
		type want struct {
			position       attendance.Position
			exempt, active bool
		}
		rows := []struct {
			code, position, exempt, active string
			want                           want
		}{
			{"DV-W01", "Bí thư", "Không", "Có", want{attendance.PositionSecretary, false, true}},
			{"DV-W02", "bi thu", "x", "", want{attendance.PositionSecretary, true, true}},
			{"DV-W03", "BÍ THƯ", "X", "1", want{attendance.PositionSecretary, true, true}},
			{"DV-W04", "Phó bí thư", "Có", "Không", want{attendance.PositionDeputy, true, false}},
			{"DV-W05", "pho bi thu", "có", "không", want{attendance.PositionDeputy, true, false}},
			{"DV-W06", "PHÓ BÍ THƯ", "1", "0", want{attendance.PositionDeputy, true, false}},
			{"DV-W07", "Đảng viên", "0", "yes", want{attendance.PositionMember, false, true}},
			{"DV-W08", "dang vien", "yes", "no", want{attendance.PositionMember, true, false}},
			{"DV-W09", "ĐẢNG VIÊN", "no", "true", want{attendance.PositionMember, false, true}},
			{"DV-W10", "", "true", "false", want{attendance.PositionMember, true, false}},
			{"DV-W11", "Phó Bí Thư Chi Bộ", "false", "TRUE", want{attendance.PositionDeputy, false, true}},
			{"DV-W12", "Bí thư chi bộ", "CÓ", "KHÔNG", want{attendance.PositionSecretary, true, false}},
		}
		csv := func(from, to int) []byte {
			var b strings.Builder
			b.WriteString("Mã đảng viên;Họ và tên;Mã tổ chức;Chức vụ;Miễn sinh hoạt;Hoạt động\r\n")
			for _, r := range rows[from:to] {
				b.WriteString(r.code + ";Nguyễn Văn " + r.code + ";CB01;" + r.position + ";" + r.exempt + ";" + r.active + "\r\n")
			}
			return []byte(b.String())
		}
		res := admin.importAs("vi", "/api/v1/members/import", csv(0, 6), "application/json")
		if res.Code != http.StatusOK {
			t.Fatalf("API import: got %d %s, want 200", res.Code, res.Body)
		}
		res = admin.importAs("en", "/en/admin/import", csv(6, len(rows)), "text/html")
		if res.Code != http.StatusSeeOther {
			t.Fatalf("page import: got %d %s, want 303", res.Code, admText(res.Body.String()))
		}
		l, err := s.db.Members(context.Background(), attendance.MemberFilter{Query: "DV-W", Scope: attendance.Scope{All: true},
			Page: attendance.Page{Size: 100}})
		if err != nil || l.Total != int64(len(rows)) {
			t.Fatalf("members DV-W…: got %d, %v; want %d", l.Total, err, len(rows))
		}
		got := map[string]want{}
		for _, m := range l.Items {
			got[m.Code] = want{m.Position, m.Exempt, m.Active}
		}
		for _, r := range rows {
			if got[r.code] != r.want {
				t.Errorf("%s (%q, %q, %q): got %+v, want %+v", r.code, r.position, r.exempt, r.active, got[r.code], r.want)
			}
		}
	})
}
