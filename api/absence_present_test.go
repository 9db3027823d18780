package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/attendance/sqlstore"
	"github.com/diemcau/diemcau/internal/testdb"
)

// mustCheckIn checks member in at point as a phone would, for the tests of what a
// member counted present may file.
func mustCheckIn(t *testing.T, db *sqlstore.DB, conf, point, member int64, key string) attendance.CheckIn {
	t.Helper()
	out, err := db.CheckIn(context.Background(), attendance.CheckInInput{ConferenceID: conf, PointID: point, MemberID: member,
		Method: attendance.MethodQR, Key: key, DeviceID: "device-" + key})
	if err != nil {
		t.Fatalf("check in member %d: %v", member, err)
	}
	return out.CheckIn
}

// TestAbsences_PresentMember: over the API, a member checked in at the conference
// files no explanation, nor does anyone on their behalf — 409 /problems/checked-in,
// titled in the request's language, nothing written — while a member not in still
// explains; and the category has no default (422 required). Issue 10, point 9.
func TestAbsences_PresentMember(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		now := t0.Add(20 * time.Minute)
		srv, db := mustServer(t, tg, withClock(func() time.Time { return now }))
		w := mustAbsenceWorld(t, srv, db)
		mustTransition(t, db, w.Conf.ID, "start")
		mustCheckIn(t, db, w.Conf.ID, w.PointA.ID, w.MemA.ID, "present-mema-01")
		body := map[string]any{"conferenceId": w.Conf.ID, "category": "cong_tac", "reason": "Đến muộn vì họp giao ban"}

		t.Run("checked in: refused", func(t *testing.T) {
			before := requestRows(t, db)
			for _, c := range []struct {
				who, token, lang, title string
				body                    map[string]any
			}{
				{"the member", w.memberA, "vi", "Đảng viên đã điểm danh có mặt tại hội nghị này: không có vắng mặt để xin phép hay giải trình", body},
				{"the member", w.memberA, "en", "The member is checked in at this conference: there is no absence to ask leave for or to explain", body},
				{"the chair", w.chairA, "vi", "Đảng viên đã điểm danh có mặt tại hội nghị này: không có vắng mặt để xin phép hay giải trình",
					map[string]any{"conferenceId": w.Conf.ID, "memberId": w.MemA.ID, "category": "om_dau", "reason": "Ốm"}},
				{"the organizer", w.organizer, "en", "The member is checked in at this conference: there is no absence to ask leave for or to explain",
					map[string]any{"conferenceId": w.Conf.ID, "memberId": w.MemA.ID, "category": "khac", "reason": "Khác"}},
			} {
				r := doJSON(t, srv, "POST", "/api/v1/absences", c.token, c.body, withHeader("Accept-Language", c.lang))
				if p := mustProblem(t, r, 409, "/problems/checked-in"); p.Title != c.title {
					t.Errorf("%s (%s): got title %q, want %q", c.who, c.lang, p.Title, c.title)
				}
			}
			// The multipart form, with a document, is refused the same way.
			mb, ct := multipartRequest(t, map[string]string{"conferenceId": fmt.Sprint(w.Conf.ID), "category": "om_dau", "reason": "Ốm"},
				uploadFile{name: "giay.pdf", data: pdfFile})
			mustProblem(t, do(t, srv, "POST", "/api/v1/absences", w.memberA, mb, ct), 409, "/problems/checked-in")
			if after := requestRows(t, db); after != before {
				t.Errorf("refused explanations wrote rows: before %s after %s", before, after)
			}
			r := doJSON(t, srv, "GET", "/problems/checked-in", "", nil, withHeader("Accept-Language", "vi"))
			if o := r.object(t); o["status"] != float64(409) {
				t.Errorf("/problems/checked-in: got %v, want status 409", o)
			}
		})
		t.Run("not checked in: explains", func(t *testing.T) {
			id := idOf(t, doJSON(t, srv, "POST", "/api/v1/absences", w.memberB, body), 201, "member B explains")
			if got := readAbsence(t, srv, w.memberB, id); got.Kind != "explanation" || got.Status != "pending" {
				t.Errorf("got %+v, want a pending explanation", got)
			}
		})
		t.Run("no category", func(t *testing.T) {
			before := requestRows(t, db)
			for _, b := range []map[string]any{
				{"conferenceId": w.Conf.ID, "memberId": w.SecB.ID, "reason": "Không ghi loại"},
				{"conferenceId": w.Conf.ID, "memberId": w.SecB.ID, "category": "", "reason": "Loại rỗng"},
			} {
				p := mustProblem(t, doJSON(t, srv, "POST", "/api/v1/absences", w.organizer, b), 422, "/problems/validation")
				if len(p.Errors) != 1 || !p.has("category", "required") || p.Errors[0].Message != "Bắt buộc nhập" {
					t.Errorf("%v: got %+v, want category required alone", b, p.Errors)
				}
			}
			mb, ct := multipartRequest(t, map[string]string{"conferenceId": fmt.Sprint(w.Conf.ID), "memberId": fmt.Sprint(w.SecB.ID),
				"reason": "Không chọn loại"})
			if p := mustProblem(t, do(t, srv, "POST", "/api/v1/absences", w.chairB, mb, ct), 422, "/problems/validation"); !p.has("category", "required") {
				t.Errorf("multipart without a category: got %v, want category required", p.codes())
			}
			if after := requestRows(t, db); after != before {
				t.Errorf("refused requests wrote rows: before %s after %s", before, after)
			}
		})
	})
}

// TestRequestPages_PresentMember: on the member's page the category starts on an
// empty "— chọn —", a form sent without one comes back (422) with its message and
// what was typed, and a member checked in is told (409), in Vietnamese and English,
// that there is no absence to explain. Issue 10, point 9.
func TestRequestPages_PresentMember(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		now := t0.Add(20 * time.Minute)
		srv, db := mustServer(t, tg, withClock(func() time.Time { return now }),
			withConfig(api.Config{LoginRatePerAddress: "1000-M", LoginRatePerLogin: "1000-M"}))
		w := mustWorld(t, db)
		mustTransition(t, db, w.Conf.ID, "start")
		conf := fmt.Sprintf("/conferences/%d/requests", w.Conf.ID)
		file := fmt.Sprintf("/conferences/%d/absences", w.Conf.ID)
		memB := memberBrowser(t, srv, w.MemB.Code)
		options := regexp.MustCompile(`(?s)<select name="category"[^>]*>(.*?)</select>`)
		selected := func(html string) []string {
			t.Helper()
			m := options.FindStringSubmatch(html)
			if m == nil {
				t.Fatalf("no category select on the page")
			}
			return regexp.MustCompile(`<option value="([^"]*)"[^>]*\bselected\b`).FindAllString(m[1], -1)
		}

		t.Run("the category starts empty", func(t *testing.T) {
			for lang, choose := range map[string]string{"vi": "— chọn —", "en": "— choose —"} {
				res := memB.get("/" + lang + conf)
				reqWant(t, res, 200, choose)
				got := selected(res.Body.String())
				if len(got) != 1 || !strings.HasPrefix(got[0], `<option value=""`) {
					t.Errorf("%s: selected options %q, want only the empty one", lang, got)
				}
			}
		})
		t.Run("no category: the form again", func(t *testing.T) {
			before := requestRows(t, db)
			for lang, words := range map[string][]string{"vi": {"Loại lý do", "Bắt buộc nhập"}, "en": {"Reason category", "Required"}} {
				res := postFiles(memB, "/"+lang+file, map[string]string{"category": "", "reason": "Xe hỏng giữa đường"}, false)
				text := reqWant(t, res, 422, append(words, "Xe hỏng giữa đường")...)
				if !strings.Contains(res.Body.String(), `id="category" required aria-invalid="true"`) {
					t.Errorf("%s: the select is not marked invalid: %s", lang, text)
				}
				if got := selected(res.Body.String()); len(got) != 1 || !strings.HasPrefix(got[0], `<option value=""`) {
					t.Errorf("%s: selected options %q, want only the empty one", lang, got)
				}
			}
			// A category chosen is kept when something else is wrong.
			res := postFiles(memB, "/vi"+file, map[string]string{"category": "om_dau", "reason": " "}, false)
			reqWant(t, res, 422, "Bắt buộc nhập")
			if got := selected(res.Body.String()); len(got) != 1 || !strings.HasPrefix(got[0], `<option value="om_dau"`) {
				t.Errorf("selected options %q, want om_dau kept", got)
			}
			if after := requestRows(t, db); after != before {
				t.Errorf("refused forms wrote rows: before %s after %s", before, after)
			}
		})
		t.Run("checked in: no explanation", func(t *testing.T) {
			mustCheckIn(t, db, w.Conf.ID, w.PointB.ID, w.MemB.ID, "present-memb-01")
			before := requestRows(t, db)
			for lang, title := range map[string]string{
				"vi": "Đảng viên đã điểm danh có mặt tại hội nghị này: không có vắng mặt để xin phép hay giải trình",
				"en": "The member is checked in at this conference: there is no absence to ask leave for or to explain",
			} {
				res := postFiles(memB, "/"+lang+file, map[string]string{"category": "viec_gia_dinh", "reason": "Về sớm lo việc nhà"}, false)
				reqWant(t, res, http.StatusConflict, title, "Về sớm lo việc nhà")
			}
			if after := requestRows(t, db); after != before {
				t.Errorf("refused forms wrote rows: before %s after %s", before, after)
			}
			// Member A, not checked in, explains from the same page.
			memA := memberBrowser(t, srv, w.MemA.Code)
			res := postFiles(memA, "/vi"+file, map[string]string{"category": "bat_kha_khang", "reason": "Mưa lũ chia cắt"}, false)
			reqWant(t, memA.follow(res), 200, "Đã gửi đơn.", "Giải trình", "Bất khả kháng", "Mưa lũ chia cắt")
		})
	})
}
