package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/internal/testdb"
)

// reqBrowser signs in through the sign-in form, as a member (code and PIN) or as
// staff, and keeps the session's CSRF token from the page it lands on.
func reqBrowser(t *testing.T, h http.Handler, form url.Values, landing string) *admBrowser {
	t.Helper()
	b := &admBrowser{t: t, h: h, cookies: map[string]string{}}
	res := b.send(http.MethodPost, "/vi/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if res.Code != http.StatusSeeOther || b.cookies["diemcau_session"] == "" {
		t.Fatalf("sign in %v: got %d %s, want 303 with a session cookie", form, res.Code, admText(res.Body.String()))
	}
	page := b.get(landing)
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page.Body.String())
	if page.Code != http.StatusOK || m == nil {
		t.Fatalf("%s after sign-in: got %d, no CSRF field", landing, page.Code)
	}
	b.csrf = m[1]
	return b
}

func memberBrowser(t *testing.T, h http.Handler, code string) *admBrowser {
	t.Helper()
	return reqBrowser(t, h, url.Values{"mode": {"member"}, "memberCode": {code}, "pin": {pin}}, "/vi/")
}

func staffBrowser(t *testing.T, h http.Handler, login string) *admBrowser {
	t.Helper()
	return reqBrowser(t, h, url.Values{"login": {login}, "password": {password}}, "/vi/admin/")
}

// postFiles sends a multipart form with fields, the session's CSRF field unless
// noCSRF, and files under "files".
func postFiles(b *admBrowser, path string, fields map[string]string, noCSRF bool, files ...uploadFile) *httptest.ResponseRecorder {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if !noCSRF {
		mw.WriteField("_csrf", b.csrf)
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		hd := textproto.MIMEHeader{}
		hd.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename=%q`, f.name))
		hd.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(hd)
		w.Write(f.data)
	}
	mw.Close()
	return b.send(http.MethodPost, path, mw.FormDataContentType(), strings.NewReader(buf.String()))
}

// reqMessageIDs are the message ids of the request pages, none of which may show on a
// page as is.
func reqMessageIDs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../web/i18n/absence.en.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// reqWant checks status and words like admWant, and that no message id shows.
func reqWant(t *testing.T, res *httptest.ResponseRecorder, status int, words ...string) string {
	t.Helper()
	admWant(t, res, status, words...)
	text := admText(res.Body.String())
	for _, id := range reqMessageIDs(t) {
		if strings.Contains(text, id) {
			t.Errorf("page shows the message id %q:\n%s", id, text)
		}
	}
	return text
}

// TestRequestPages drives the member's, the chair's and the supervisory committee's
// pages as browsers do: forms with the CSRF field, redirects after each POST, and
// every page in Vietnamese and English.
func TestRequestPages(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg, withClock(func() time.Time { return t0.Add(-2 * time.Hour) }),
			withConfig(api.Config{LoginRatePerAddress: "1000-M", LoginRatePerLogin: "1000-M"}))
		w := mustWorld(t, db)
		mustMember(t, db, w.C.ID, "DV-C9", "Trịnh Văn Thay", attendance.PositionMember)
		conf := fmt.Sprintf("/conferences/%d/requests", w.Conf.ID)
		memA := memberBrowser(t, srv, w.MemA.Code)

		t.Run("member pages", func(t *testing.T) {
			reqWant(t, memA.get("/vi/"), 200, "Xin phép vắng / giải trình · Cử người dự thay", "Đơn xin vắng của tôi")
			reqWant(t, memA.get("/vi"+conf), 200, w.Conf.Title, "Xin phép vắng", "Loại lý do", "Công tác", "Ốm đau",
				"Việc gia đình", "Bất khả kháng", "Khác", "Lý do", "Tài liệu kèm theo", "Gửi đơn", "Cử người dự thay",
				"Mã đảng viên của người dự thay", w.PointA.Name)
			reqWant(t, memA.get("/en"+conf), 200, "Ask for leave", "Official duty", "Illness", "Send a substitute")
			reqWant(t, memA.get("/vi/requests"), 200, "Xin phép vắng / giải trình", "Đơn xin vắng của tôi", "Chưa có đơn nào.")
			reqWant(t, memA.get("/en/requests"), 200, "Leave requests and explanations", "My leave requests")
			admWant(t, memA.get("/vi/conferences/999999/requests"), 404)
			admWant(t, memA.get("/vi/conferences/abc/requests"), 404)
		})

		t.Run("forms refuse a missing CSRF token", func(t *testing.T) {
			before := requestRows(t, db)
			res := postFiles(memA, "/vi/conferences/"+fmt.Sprint(w.Conf.ID)+"/absences",
				map[string]string{"category": "om_dau", "reason": "Ốm"}, true, uploadFile{name: "a.pdf", data: pdfFile})
			if res.Code != http.StatusForbidden {
				t.Errorf("absence form without CSRF: got %d, want 403", res.Code)
			}
			for _, path := range []string{"/vi/conferences/" + fmt.Sprint(w.Conf.ID) + "/delegations", "/vi/absences/1/withdraw",
				"/vi/chair/absences/1/decision", "/vi/admin/supervision/absences/1/reviews"} {
				res := memA.send(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader("decision=approved"))
				if res.Code != http.StatusForbidden {
					t.Errorf("POST %s without CSRF: got %d, want 403", path, res.Code)
				}
			}
			if after := requestRows(t, db); after != before {
				t.Errorf("refused forms wrote rows: before %s after %s", before, after)
			}
		})

		var absenceID int64
		t.Run("member files with a document", func(t *testing.T) {
			before := requestRows(t, db)
			res := postFiles(memA, "/vi/conferences/"+fmt.Sprint(w.Conf.ID)+"/absences",
				map[string]string{"category": "om_dau", "reason": "Ốm, có giấy khám bệnh"}, false,
				uploadFile{name: "giay-kham.pdf", data: exeFile})
			text := reqWant(t, res, 422, "Chỉ nhận tệp PDF hoặc ảnh", "Ốm, có giấy khám bệnh")
			if strings.Contains(text, "CSV") {
				t.Errorf("the file problem speaks of rosters: %s", text)
			}
			reqWant(t, postFiles(memA, "/vi/conferences/"+fmt.Sprint(w.Conf.ID)+"/absences",
				map[string]string{"category": "", "reason": ""}, false), 422, "Loại lý do", "Lý do", "Bắt buộc nhập")
			if after := requestRows(t, db); after != before {
				t.Errorf("refused forms wrote rows: before %s after %s", before, after)
			}
			res = postFiles(memA, "/vi/conferences/"+fmt.Sprint(w.Conf.ID)+"/absences",
				map[string]string{"category": "om_dau", "reason": "Ốm, có giấy khám bệnh"}, false,
				uploadFile{name: "giay-kham.pdf", data: pdfFile})
			reqWant(t, memA.follow(res), 200, "Đã gửi đơn.", "Chờ duyệt", "Ốm đau", "giay-kham.pdf", "Rút đơn")
			l, err := db.Absences(t.Context(), attendance.AbsenceFilter{MemberID: w.MemA.ID, Scope: attendance.Scope{All: true}})
			if err != nil || len(l.Items) != 1 {
				t.Fatalf("absences of member A: %+v %v", l, err)
			}
			absenceID = l.Items[0].ID
			reqWant(t, memA.get("/vi"+conf), 200, "Đồng chí đã có đơn đang chờ duyệt")
		})

		t.Run("member names a substitute by code", func(t *testing.T) {
			path := "/vi/conferences/" + fmt.Sprint(w.Conf.ID) + "/delegations"
			reqWant(t, memA.post(path, url.Values{"substituteCode": {"DV-KHONG-CO"}, "delegationReason": {"Đi công tác"}}),
				422, "Mã đảng viên của người dự thay", "Không tồn tại")
			reqWant(t, memA.post(path, url.Values{"substituteCode": {w.MemB.Code}, "delegationReason": {"Đi công tác"}}),
				422, "Đồng chí "+w.MemB.FullName+" đã được mời dự hội nghị này")
			if res := memA.post(path, url.Values{"substituteCode": {"DV-KHONG-CO"}}); !strings.Contains(res.Body.String(), `value="DV-KHONG-CO"`) {
				t.Errorf("the refused form does not keep the code typed")
			}
			res := memA.post(path, url.Values{"substituteCode": {"dv-c9"}, "delegationReason": {"Đi công tác, cử đồng chí Thay"}})
			reqWant(t, memA.follow(res), 200, "Đã gửi đề nghị cử người dự thay.", "Trịnh Văn Thay", "DV-C9")
		})

		chairA := memberBrowser(t, srv, w.SecA.Code)
		t.Run("chair pages", func(t *testing.T) {
			reqWant(t, chairA.get(fmt.Sprintf("/vi/chair/points/%d", w.PointA.ID)), 200, "Xem đơn chờ duyệt")
			path := fmt.Sprintf("/vi/chair/points/%d/requests", w.PointA.ID)
			reqWant(t, chairA.get(path), 200, "Đơn chờ duyệt", w.MemA.FullName, "Ốm, có giấy khám bệnh", "giay-kham.pdf",
				"Duyệt", "Không duyệt", "Đề nghị cử người dự thay", "Trịnh Văn Thay", "Đồng ý")
			reqWant(t, chairA.get(fmt.Sprintf("/en/chair/points/%d/requests", w.PointA.ID)), 200, "Pending requests", "Approve", "Reject")
			chairB := memberBrowser(t, srv, w.SecB.Code)
			admWant(t, chairB.get(path), 404)
			admWant(t, chairB.post(fmt.Sprintf("/vi/chair/absences/%d/decision", absenceID),
				url.Values{"decision": {"approved"}, "pointId": {fmt.Sprint(w.PointB.ID)}}), 404)
			admWant(t, memA.get(path), 403)

			decision := fmt.Sprintf("/vi/chair/absences/%d/decision", absenceID)
			back := url.Values{"pointId": {fmt.Sprint(w.PointA.ID)}}
			form := func(kv ...string) url.Values {
				v := url.Values{}
				for k, vs := range back {
					v[k] = vs
				}
				for i := 0; i+1 < len(kv); i += 2 {
					v.Set(kv[i], kv[i+1])
				}
				return v
			}
			reqWant(t, chairA.follow(chairA.post(decision, form("decision", "rejected"))), 200, "Cần ghi lý do.")
			reqWant(t, chairA.follow(chairA.post(decision, form("decision", "approved", "note", "Đồng ý, giữ gìn sức khoẻ"))),
				200, "Đã duyệt đơn.", "Đã xử lý", "Đã duyệt", "Đồng ý, giữ gìn sức khoẻ")
			reqWant(t, chairA.follow(chairA.post(decision, form("decision", "approved"))), 200, "Đơn đã được xử lý hoặc đã rút")
			ds, err := db.Delegations(t.Context(), attendance.DelegationFilter{MemberID: w.MemA.ID, Scope: attendance.Scope{All: true}})
			if err != nil || len(ds.Items) != 1 {
				t.Fatalf("delegations of member A: %+v %v", ds, err)
			}
			reqWant(t, chairA.follow(chairA.post(fmt.Sprintf("/vi/chair/delegations/%d/decision", ds.Items[0].ID),
				form("decision", "approved"))), 200, "Đã đồng ý cử người dự thay.")
			// The secretary's own request is not theirs to decide.
			res := postFiles(chairA, "/vi/conferences/"+fmt.Sprint(w.Conf.ID)+"/absences",
				map[string]string{"category": "cong_tac", "reason": "Họp Ban Thường vụ"}, false)
			admWant(t, res, http.StatusSeeOther)
			reqWant(t, chairA.get(path), 200, "tự duyệt đơn của chính mình", "Họp Ban Thường vụ")
		})

		t.Run("the member sees the decision", func(t *testing.T) {
			reqWant(t, memA.get("/vi/requests"), 200, "Đã duyệt", "Người duyệt", w.SecA.FullName, "Đồng ý, giữ gìn sức khoẻ",
				"giay-kham.pdf", "Trịnh Văn Thay")
			reqWant(t, memA.get("/en/requests"), 200, "Approved", "Decided by")
			res := memA.post(fmt.Sprintf("/vi/absences/%d/withdraw", absenceID), url.Values{"conferenceId": {fmt.Sprint(w.Conf.ID)}})
			reqWant(t, memA.follow(res), 200, "Đơn đã được xử lý hoặc đã rút")
		})

		t.Run("member B withdraws", func(t *testing.T) {
			memB := memberBrowser(t, srv, w.MemB.Code)
			res := postFiles(memB, "/vi/conferences/"+fmt.Sprint(w.Conf.ID)+"/absences",
				map[string]string{"category": "viec_gia_dinh", "reason": "Việc gia đình đột xuất"}, false)
			reqWant(t, memB.follow(res), 200, "Đã gửi đơn.")
			l, err := db.Absences(t.Context(), attendance.AbsenceFilter{MemberID: w.MemB.ID, Scope: attendance.Scope{All: true}})
			if err != nil || len(l.Items) != 1 {
				t.Fatalf("absences of member B: %+v %v", l, err)
			}
			res = memB.post(fmt.Sprintf("/vi/absences/%d/withdraw", l.Items[0].ID), url.Values{"conferenceId": {fmt.Sprint(w.Conf.ID)}})
			reqWant(t, memB.follow(res), 200, "Đã rút đơn.", "Đã rút")
			admWant(t, memB.post(fmt.Sprintf("/vi/absences/%d/withdraw", absenceID), nil), 404)
		})

		t.Run("supervision", func(t *testing.T) {
			sup := staffBrowser(t, srv, "supervisor")
			reqWant(t, sup.get("/vi/admin/supervision"), 200, "Giám sát vắng mặt", "Đơn và quyết định", "Vắng nhiều lần", "Nhật ký",
				w.MemA.FullName, "Ốm, có giấy khám bệnh", "giay-kham.pdf", "Người duyệt", w.SecA.FullName, "Đã xem", "Cần theo dõi",
				"Thay đổi quyết định")
			reqWant(t, sup.get("/en/admin/supervision"), 200, "Requests and decisions", "Repeat absentees", "Mark reviewed", "Overturn")
			filtered := fmt.Sprintf("/vi/admin/supervision?status=approved&organizationId=%d&from=2026-03-01&to=2026-03-03&kind=request", w.A.ID)
			text := reqWant(t, sup.get(filtered), 200, w.MemA.FullName)
			if strings.Contains(text, "Việc gia đình đột xuất") {
				t.Errorf("filtered queue shows other requests: %s", text)
			}
			if text := reqWant(t, sup.get("/vi/admin/supervision?to=2026-03-02"), 200); strings.Contains(text, w.MemA.FullName) {
				t.Errorf("a period before the conference shows its requests: %s", text)
			}
			reqWant(t, sup.get("/vi/admin/supervision?from=hom-qua&status=x"), 422, "Từ ngày", "Tình trạng")
			review := fmt.Sprintf("/vi/admin/supervision/absences/%d/reviews", absenceID)
			backQ := url.Values{"status": {"approved"}, "evil": {"//example.com"}}.Encode()
			res := sup.post(review, url.Values{"action": {"overturned"}, "back": {backQ}})
			if loc := res.Header().Get("Location"); !strings.HasPrefix(loc, "/vi/admin/supervision?status=approved#absence-") {
				t.Errorf("back after a review: got %q", loc)
			}
			// A browser drops the #fragment of the address it is sent to.
			follow := func(res *httptest.ResponseRecorder) *httptest.ResponseRecorder {
				t.Helper()
				if res.Code != http.StatusSeeOther {
					t.Fatalf("got %d, want 303: %s", res.Code, admText(res.Body.String()))
				}
				loc, _, _ := strings.Cut(res.Header().Get("Location"), "#")
				return sup.get(loc)
			}
			reqWant(t, follow(res), 200, "Cần ghi lý do.")
			res = sup.post(review, url.Values{"action": {"overturned"}, "note": {"Giấy khám bệnh không đúng ngày họp"}})
			text = reqWant(t, follow(res), 200, "Đã thay đổi quyết định.", "Ủy ban Kiểm tra đã thay đổi quyết định",
				"Giấy khám bệnh không đúng ngày họp", "Không duyệt")
			// The secretary approved; the committee overturned it. The secretary is named
			// with his own decision, not the committee's (docs/design.md §14.1), on the
			// committee's page and the member's, in both languages.
			for _, page := range []struct {
				b          *admBrowser
				path, want string
			}{
				{sup, "/vi/admin/supervision", "Người duyệt: " + w.SecA.FullName + " · Đã duyệt ·"},
				{sup, "/en/admin/supervision", w.SecA.FullName + " · Approved ·"},
				{memA, "/vi/requests", "Người duyệt: " + w.SecA.FullName + " · Đã duyệt ·"},
				{memA, "/en" + conf, w.SecA.FullName + " · Approved ·"},
			} {
				reqWant(t, page.b.get(page.path), 200, page.want)
			}
			if strings.Contains(text, w.SecA.FullName+" · Không duyệt") {
				t.Errorf("the committee's rejection is credited to the secretary: %s", text)
			}
			reqWant(t, follow(sup.post(review, url.Values{"action": {"flagged"}, "note": {"Theo dõi"}})), 200, "Đã đánh dấu cần theo dõi.")
			reqWant(t, follow(sup.post(review, url.Values{"action": {"reviewed"}})), 200, "Đã ghi nhận: đã xem.")

			reqWant(t, sup.get("/vi/admin/supervision/repeat"), 200, "Vắng nhiều lần", "Năm", "Không có đảng viên nào")
			reqWant(t, sup.get("/en/admin/supervision/repeat?year=2026&threshold=1"), 200, "Repeat absentees")
			reqWant(t, sup.get("/vi/admin/supervision/repeat?year=abc"), 422, "Năm")
			reqWant(t, sup.get("/vi/admin/supervision/audit"), 200, "Kiểm tra tính toàn vẹn", "Thay đổi quyết định", "Giấy khám bệnh không đúng ngày họp")
			res = sup.get("/vi/admin/supervision/audit?verify=1")
			reqWant(t, res, 200, "Nhật ký toàn vẹn: đã kiểm tra", "Đầu chuỗi — ghi lại")
			m := regexp.MustCompile(`id="audit-head">(\d+):([0-9a-f]{64})<`).FindStringSubmatch(res.Body.String())
			if m == nil {
				t.Fatalf("the verified page shows no head to note down")
			}
			noted := url.QueryEscape("#" + m[1] + " · " + m[2])
			reqWant(t, sup.get("/vi/admin/supervision/audit?verify=1&head="+noted), 200, "1 đầu chuỗi đã ghi lại vẫn còn nguyên.")
			reqWant(t, sup.get("/en/admin/supervision/audit?verify=1&head="+m[1]+":"+m[2][:16]), 200, "1 noted heads found unchanged.")
			reqWant(t, sup.get("/vi/admin/supervision/audit?verify=1&head=12:xyz"), 422, "Đầu chuỗi đã ghi lại", "Không đúng định dạng")
			past, _ := strconv.Atoi(m[1])
			cut := fmt.Sprintf("%d:%s", past+5, m[2])
			reqWant(t, sup.get("/vi/admin/supervision/audit?verify=1&head="+cut), 200,
				fmt.Sprintf("Nhật ký đã bị can thiệp tại mục #%d", past+5), "phần cuối nhật ký đã bị cắt bớt")
			reqWant(t, sup.get("/en/admin/supervision/audit?verify=1&head="+cut), 200, "the end of the log was cut off")
			if err := db.Gorm().Exec("UPDATE audit_entries SET reason = 'sửa' WHERE id = 2").Error; err != nil {
				t.Fatal(err)
			}
			reqWant(t, sup.get("/vi/admin/supervision/audit?verify=1"), 200, "Nhật ký đã bị can thiệp tại mục #2", "Nội dung mục đã bị sửa.")
			reqWant(t, sup.get("/en/admin/supervision/audit?verify=1"), 200, "The log was tampered with at entry #2")

			org := staffBrowser(t, srv, "organizer")
			res = org.get("/vi/admin/supervision")
			reqWant(t, res, 200, w.MemA.FullName)
			if strings.Contains(res.Body.String(), `/reviews"`) {
				t.Errorf("the organizer gets the review forms")
			}
			admWant(t, org.post(review, url.Values{"action": {"reviewed"}}), 403)
			admWant(t, org.get("/vi/admin/supervision/audit"), 403)
			reqWant(t, org.get("/vi/admin/supervision/repeat"), 200, "Vắng nhiều lần")
			admWant(t, memA.get("/vi/admin/supervision"), 403)
		})
	})
}
