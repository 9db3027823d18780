package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diemcau/diemcau/attendance"
)

// TestAbsence_MemberFilesChairApproves follows an absence request through two
// browsers: a member signs in with code and PIN, explains an absence from a live
// conference with a PDF, and sees it pending; the chair of the point, in a browser of
// their own, opens the point's requests and approves it; the member sees it approved.
func TestAbsence_MemberFilesChairApproves(t *testing.T) {
	needBrowser(t)
	s := startSite(t)
	ctx := context.Background()
	const pin = "246802"
	code := "CB-TG"
	org := attendance.Organization{Code: &code, Name: "Chi bộ Ban Tuyên giáo Tỉnh uỷ", Kind: attendance.KindChiBo}
	if err := s.db.CreateOrganization(ctx, &org); err != nil {
		t.Fatal(err)
	}
	secretary := attendance.Member{Code: "DV000101", FullName: "Nguyễn Thị Thuỳ Dương", Position: attendance.PositionSecretary}
	member := attendance.Member{Code: "DV000102", FullName: "Trần Văn Đức", Position: attendance.PositionMember}
	for _, m := range []*attendance.Member{&secretary, &member} {
		m.OrganizationID, m.Active = org.ID, true
		if err := s.db.CreateMember(ctx, m, pin); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now().Add(-5 * time.Minute).Truncate(time.Minute)
	conf := attendance.Conference{Title: "Hội nghị học tập, quán triệt Nghị quyết Đại hội XIV của Đảng", StartsAt: start,
		EndsAt: start.Add(3 * time.Hour), CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute, EarlyLeaveGrace: 10 * time.Minute}
	if err := s.db.CreateConference(ctx, &conf); err != nil {
		t.Fatal(err)
	}
	point := attendance.Point{ConferenceID: conf.ID, Name: "Điểm cầu Ban Tuyên giáo", Location: "Phòng họp tầng 2",
		OrganizationIDs: []int64{org.ID}}
	if err := s.db.CreatePoint(ctx, &point); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.TransitionConference(ctx, conf.ID, "start"); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(t.TempDir(), "giay-xac-nhan-benh-vien.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"+
		"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A member lands on their own page, a chair on their points.
	signIn := func(ctx context.Context, code, landing string) {
		t.Helper()
		step(t, ctx, "open the member sign-in", chromedp.Navigate(s.base+"/vi/login?mode=member"))
		step(t, ctx, "sign in as "+code,
			chromedp.SendKeys(chromedp.CSS("#memberCode"), code),
			chromedp.SendKeys(chromedp.CSS("#pin"), pin),
			chromedp.Click(chromedp.CSS("#login-form button[type=submit]")),
		)
		waitPage(t, ctx, landing)
	}
	requests := fmt.Sprintf("/vi/conferences/%d/requests", conf.ID)

	// The member explains their absence with a document.
	phone := browser(t)
	step(t, phone, "phone size", chromedp.EmulateViewport(412, 915, chromedp.EmulateMobile, chromedp.EmulateTouch))
	signIn(phone, member.Code, "/vi/$")
	mustSay(t, phone, "Xin chào, Trần Văn Đức", conf.Title, "Xin phép vắng / giải trình · Cử người dự thay")
	shoot(t, phone, "member-home")
	step(t, phone, "open the conference's requests", chromedp.Click(chromedp.CSS(`a[href="`+requests+`"]`)))
	waitPage(t, phone, requests)
	mustSay(t, phone, "Giải trình vắng mặt", "Loại lý do", "Ốm đau", "Tài liệu kèm theo", "Cử người dự thay")
	shoot(t, phone, "absence-form")
	// No category is chosen for the member (issue 10, point 9): sent without one, the
	// form comes back with the message beside the select and the reason kept.
	if got := value(t, phone, "read the category", chromedp.Value(chromedp.CSS("#category"))); got != "" {
		t.Errorf("the category starts on %q, want none", got)
	}
	step(t, phone, "send without a category",
		chromedp.SendKeys(chromedp.CSS("#reason"), "Sốt cao, đang điều trị tại Bệnh viện Đa khoa tỉnh"),
		chromedp.Click(chromedp.CSS("#absence-form button[type=submit]")),
	)
	step(t, phone, "wait for the problem", chromedp.WaitVisible(chromedp.CSS("#category[aria-invalid=true]")))
	mustSay(t, phone, "Dữ liệu không hợp lệ", "Loại lý do", "Bắt buộc nhập")
	shoot(t, phone, "absence-no-category")
	if got := value(t, phone, "read the reason kept", chromedp.Value(chromedp.CSS("#reason"))); got != "Sốt cao, đang điều trị tại Bệnh viện Đa khoa tỉnh" {
		t.Errorf("the reason comes back as %q", got)
	}
	step(t, phone, "fill the explanation",
		chromedp.SetValue(chromedp.CSS("#category"), "om_dau"),
		chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{pdf}),
	)
	step(t, phone, "send it", chromedp.Click(chromedp.CSS("#absence-form button[type=submit]")))
	// The page comes back at the same address, with a message.
	step(t, phone, "wait for the message", chromedp.WaitVisible(chromedp.CSS(".flash")))
	waitPage(t, phone, requests)
	mustSay(t, phone, "Đã gửi đơn.", "Giải trình", "Chờ duyệt", "Ốm đau", "Sốt cao, đang điều trị tại Bệnh viện Đa khoa tỉnh",
		"giay-xac-nhan-benh-vien.pdf", "Rút đơn")
	shoot(t, phone, "absence-pending")

	// The chair, in another browser, approves it from the point's page.
	desk := browser(t)
	step(t, desk, "desktop size", chromedp.EmulateViewport(1280, 800))
	signIn(desk, secretary.Code, "/vi/chair/$")
	pointPage := fmt.Sprintf("/vi/chair/points/%d", point.ID)
	step(t, desk, "open the point", chromedp.Navigate(s.base+pointPage))
	waitPage(t, desk, pointPage)
	mustSay(t, desk, "Xin phép vắng, giải trình và cử người dự thay", "Xem đơn chờ duyệt")
	shoot(t, desk, "chair-point")
	step(t, desk, "open the requests", chromedp.Click(chromedp.CSS("#open-requests")))
	waitPage(t, desk, pointPage+"/requests")
	mustSay(t, desk, "Đơn chờ duyệt", "Trần Văn Đức", "Sốt cao, đang điều trị", "giay-xac-nhan-benh-vien.pdf", "Duyệt", "Không duyệt")
	shoot(t, desk, "chair-requests")
	linked := value(t, desk, "read the document's link", chromedp.Evaluate[string](
		`fetch(document.querySelector(".req-files a").href).then(r => r.headers.get("Content-Type"))`, chromedp.EvalAwaitPromise))
	if linked != "application/pdf" {
		t.Errorf("the document's link serves %q, want application/pdf", linked)
	}
	step(t, desk, "approve", chromedp.Click(chromedp.CSS("#pending button.approve")))
	step(t, desk, "wait for the message", chromedp.WaitVisible(chromedp.CSS(".flash")))
	waitPage(t, desk, pointPage+"/requests")
	mustSay(t, desk, "Đã duyệt đơn.", "Không có đơn nào chờ duyệt.", "Đã xử lý", "Đã duyệt")
	shoot(t, desk, "chair-decided")

	// The member sees the decision.
	step(t, phone, "open my requests", chromedp.Navigate(s.base+"/vi/requests"))
	waitPage(t, phone, "/vi/requests")
	mustSay(t, phone, "Đã duyệt", "Người duyệt", "Nguyễn Thị Thuỳ Dương", "giay-xac-nhan-benh-vien.pdf")
	shoot(t, phone, "absence-approved")

	// The supervisory committee flags the decision for follow-up and checks the log.
	const password = "mật-khẩu-kiểm-tra-2026"
	sup := attendance.Account{Login: "ubkt", DisplayName: "Ủy ban Kiểm tra Tỉnh uỷ", Role: attendance.RoleSupervisor, Active: true}
	if err := s.db.CreateAccount(ctx, &sup, password); err != nil {
		t.Fatal(err)
	}
	office := browser(t)
	step(t, office, "desktop size", chromedp.EmulateViewport(1280, 800))
	step(t, office, "open the sign-in page", chromedp.Navigate(s.base+"/vi/login"))
	step(t, office, "sign in",
		chromedp.SendKeys(chromedp.CSS("#login"), sup.Login),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")),
	)
	waitPage(t, office, "/vi/admin/$")
	step(t, office, "open the supervision queue", chromedp.Navigate(s.base+"/vi/admin/supervision"))
	waitPage(t, office, "/vi/admin/supervision")
	mustSay(t, office, "Đơn và quyết định", "Trần Văn Đức", "Sốt cao", "Người duyệt", "Nguyễn Thị Thuỳ Dương", "Cần theo dõi")
	step(t, office, "flag it",
		chromedp.SendKeys(chromedp.CSS(".review-form input[name=note]"), "Đề nghị bổ sung giấy ra viện"),
		chromedp.Click(chromedp.CSS(`.review-form button[value=flagged]`)),
	)
	step(t, office, "wait for the message", chromedp.WaitVisible(chromedp.CSS(".flash")))
	mustSay(t, office, "Đã đánh dấu cần theo dõi.", "Ý kiến giám sát", "Đề nghị bổ sung giấy ra viện")
	shoot(t, office, "supervision")
	step(t, office, "open the repeat absentees", chromedp.Navigate(s.base+"/vi/admin/supervision/repeat?threshold=1"))
	mustSay(t, office, "Vắng nhiều lần", "Năm")
	shoot(t, office, "supervision-repeat")
	step(t, office, "open the log", chromedp.Navigate(s.base+"/vi/admin/supervision/audit"))
	step(t, office, "verify it", chromedp.Click(chromedp.CSS("#verify")))
	step(t, office, "wait for the verdict", chromedp.WaitVisible(chromedp.CSS("#verdict")))
	mustSay(t, office, "Nhật ký toàn vẹn: đã kiểm tra 3 mục.", "Ý kiến giám sát", "Duyệt đơn xin vắng")
	shoot(t, office, "supervision-audit")
}
