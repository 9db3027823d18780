package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diemcau/diemcau/attendance"
)

// shootAt saves a screenshot of the current page as it shows in a window of w×h, when
// screenshots are asked for.
func shootAt(t *testing.T, ctx context.Context, name string, w, h int64, mobile bool) {
	t.Helper()
	dir := screenshotDir()
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	file := filepath.Join(dir, fmt.Sprintf("%s-%dx%d.png", name, w, h))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", file)
}

// download fetches the link the selector names as the page's own script would, with
// the session cookie, and returns "status content-type content-disposition".
func download(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	return value(t, ctx, "download "+selector, chromedp.Evaluate[string](fmt.Sprintf(
		`fetch(document.querySelector(%q).href, {credentials: "same-origin"}).then(r => r.status + " " +
			r.headers.get("Content-Type") + " " + r.headers.get("Content-Disposition"))`, selector), chromedp.EvalAwaitPromise))
}

// TestPages_ConferenceDay: the pages of a conference day as people meet them — the
// organizer's board and a point at 1366×768, the chair's point after signing in at the
// same size, and a member's own page on a 390×844 phone — each with its reports one
// click away, downloaded with the session cookie under the conference's name.
func TestPages_ConferenceDay(t *testing.T) {
	needBrowser(t)
	s := startSite(t)
	ctx := context.Background()
	const pin, password = "246802", "mật-khẩu-ban-tổ-chức"
	office := attendance.Account{Login: "bantochuc", DisplayName: "Văn phòng Đảng uỷ Khối", Role: attendance.RoleOrganizer, Active: true}
	if err := s.db.CreateAccount(ctx, &office, password); err != nil {
		t.Fatal(err)
	}
	code := func(s string) *string { return &s }
	root := attendance.Organization{Code: code("DUK"), Name: "Đảng uỷ Khối các cơ quan tỉnh", Kind: attendance.KindDangBo}
	if err := s.db.CreateOrganization(ctx, &root); err != nil {
		t.Fatal(err)
	}
	var cells [2]attendance.Organization
	var secretary, member attendance.Member
	names := [][]string{{"Nguyễn Thị Thuỳ Dương", "Trần Văn Đức", "Hoàng Thị Hải Yến", "Lê Minh Tuấn"},
		{"Phạm Quốc Hùng", "Vũ Thị Lan Anh", "Đỗ Văn Khoa"}}
	for i, cn := range []string{"Chi bộ Ban Tuyên giáo Tỉnh uỷ", "Chi bộ Sở Tư pháp"} {
		cells[i] = attendance.Organization{ParentID: &root.ID, Code: code(fmt.Sprintf("CB%02d", i+1)), Name: cn, Kind: attendance.KindChiBo}
		if err := s.db.CreateOrganization(ctx, &cells[i]); err != nil {
			t.Fatal(err)
		}
		for j, n := range names[i] {
			m := attendance.Member{Code: fmt.Sprintf("DV%d%05d", i+1, j+1), FullName: n, OrganizationID: cells[i].ID,
				Position: attendance.PositionMember, Active: true}
			if j == 0 {
				m.Position = attendance.PositionSecretary
			}
			if err := s.db.CreateMember(ctx, &m, pin); err != nil {
				t.Fatal(err)
			}
			if i == 0 && j == 0 {
				secretary = m
			}
			if i == 0 && j == 1 {
				member = m
			}
		}
	}
	start := time.Now().Add(-20 * time.Minute).Truncate(time.Minute)
	conf := attendance.Conference{Title: "Hội nghị học tập, quán triệt Nghị quyết Đại hội XIV của Đảng", HostOrganizationID: &root.ID,
		StartsAt: start, EndsAt: start.Add(3 * time.Hour), CheckinLead: 30 * time.Minute, LateGrace: 10 * time.Minute,
		EarlyLeaveGrace: 10 * time.Minute}
	if err := s.db.CreateConference(ctx, &conf); err != nil {
		t.Fatal(err)
	}
	var points [2]attendance.Point
	for i, pn := range []string{"Điểm cầu Ban Tuyên giáo", "Điểm cầu Sở Tư pháp"} {
		points[i] = attendance.Point{ConferenceID: conf.ID, Name: pn, Location: fmt.Sprintf("Phòng họp tầng %d", i+2),
			OrganizationIDs: []int64{cells[i].ID}}
		if err := s.db.CreatePoint(ctx, &points[i]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.GenerateInvitations(ctx, conf.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.TransitionConference(ctx, conf.ID, "start"); err != nil {
		t.Fatal(err)
	}
	date := start.In(attendance.VietnamTime).Format(time.DateOnly)
	confFile := "bao-cao-hoi-nghi-hoc-tap-quan-triet-nghi-quyet-dai-hoi-xiv-cua-dang-" + date

	// The organizer's board on a laptop.
	desk := browser(t)
	step(t, desk, "laptop size", chromedp.EmulateViewport(1366, 768))
	step(t, desk, "sign in as the organizer", chromedp.Navigate(s.base+"/vi/login"),
		chromedp.SendKeys(chromedp.CSS("#login"), office.Login),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")))
	waitPage(t, desk, "/vi/admin/$")
	board := fmt.Sprintf("/vi/admin/conferences/%d/board", conf.ID)
	step(t, desk, "open the board", chromedp.Navigate(s.base+board))
	waitPage(t, desk, board)
	mustSay(t, desk, "Chỉ điểm cầu có vấn đề", "Số điểm cầu đang hiển thị: 2", "Báo cáo hội nghị", "PDF (văn bản)",
		"CSV – danh sách vắng", "JSON (dữ liệu)")
	// The box and its words share a line: the box is box-sized, left of the words and
	// level with them.
	layout := value(t, desk, "measure the filter", chromedp.Evaluate[string](`(() => {
		const box = document.getElementById("only-problems"), words = box.nextSibling;
		const r = document.createRange(); r.selectNodeContents(words);
		const b = box.getBoundingClientRect(), w = r.getBoundingClientRect();
		return [Math.round(b.width), Math.round(b.right - w.left), Math.round((b.top + b.bottom) / 2 - (w.top + w.bottom) / 2)].join(" ");
	})()`))
	var width, overlap, drop int
	if _, err := fmt.Sscan(layout, &width, &overlap, &drop); err != nil || width > 24 || overlap > 0 || drop < -6 || drop > 6 {
		t.Errorf("the problems-only box: width %d, right edge %d px past the words' start, centre %d px off theirs; want a small box left of and level with its words", width, overlap, drop)
	}
	shootAt(t, desk, "board", 1366, 768, false)
	got := download(t, desk, `#board-reports a[data-format="pdf"]`)
	if want := fmt.Sprintf(`200 application/pdf attachment; filename="%s.pdf"`, confFile); !strings.HasPrefix(got, want) {
		t.Errorf("the board's PDF link: got %q, want %q…", got, want)
	}
	// Rows the board's script draws again link their points as the first did.
	step(t, desk, "show only points with problems",
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("#board-rows tr").forEach(tr => tr.dataset.old = "1")`),
		chromedp.Click(chromedp.CSS("#only-problems")))
	step(t, desk, "wait for the redrawn rows", chromedp.Poll[chromedp.Void](
		`document.querySelectorAll('#board-rows tr:not([data-old]) a[href^="/vi/admin/points/"] strong').length === 2`,
		chromedp.WithPollingTimeout(10*time.Second)))
	pointPage := fmt.Sprintf("/vi/admin/points/%d", points[0].ID)
	step(t, desk, "open a point from the board", chromedp.Click(chromedp.CSS(`#board-rows a[href="`+pointPage+`"]`)))
	waitPage(t, desk, pointPage)
	mustSay(t, desk, "Điểm cầu Ban Tuyên giáo", "Chi bộ Ban Tuyên giáo Tỉnh uỷ", "Danh sách tham dự",
		"Báo cáo Điểm cầu Ban Tuyên giáo", "Excel (XLSX)", "Báo cáo năm "+date[:4]+" – Chi bộ Ban Tuyên giáo Tỉnh uỷ")
	shootAt(t, desk, "point", 1366, 768, false)
	confPage := fmt.Sprintf("/vi/admin/conferences/%d", conf.ID)
	step(t, desk, "open the conference", chromedp.Navigate(s.base+confPage))
	waitPage(t, desk, confPage)
	mustSay(t, desk, "Báo cáo hội nghị", "Hội nghị chưa khoá sổ", "Báo cáo năm "+date[:4]+" – Đảng uỷ Khối các cơ quan tỉnh")
	step(t, desk, "open a point's reports", chromedp.Click(chromedp.CSS("details.point-reports summary")))
	shootAt(t, desk, "conference", 1366, 768, false)

	// One more person invited by name, typed without diacritics.
	late := attendance.Member{Code: "DV200009", FullName: "Ngô Thị Hải Yến", OrganizationID: cells[1].ID,
		Position: attendance.PositionMember, Active: true}
	if err := s.db.CreateMember(ctx, &late, pin); err != nil {
		t.Fatal(err)
	}
	invitations := confPage + "/invitations"
	step(t, desk, "find her", chromedp.Navigate(s.base+invitations),
		chromedp.SendKeys(chromedp.CSS(`#invite-one input[name=find]`), "ngo thi hai yen\n"))
	waitPage(t, desk, invitations+"?find=ngo+thi+hai+yen")
	mustSay(t, desk, "Mời thêm một người", "DV200009", "Ngô Thị Hải Yến", "Chi bộ Sở Tư pháp")
	shootAt(t, desk, "invite-one", 1366, 768, false)
	step(t, desk, "invite her", chromedp.Click(chromedp.CSS(`#candidates button[type=submit]`)))
	step(t, desk, "wait for the message", chromedp.WaitVisible(chromedp.CSS(".flash")))
	mustSay(t, desk, "Đã mời.", "Ngô Thị Hải Yến", "Điểm cầu Sở Tư pháp", "Thêm thủ công")

	// The chair signs in and lands on their points.
	chair := browser(t)
	step(t, chair, "laptop size", chromedp.EmulateViewport(1366, 768))
	step(t, chair, "sign in as the chair", chromedp.Navigate(s.base+"/vi/login?mode=member"),
		chromedp.SendKeys(chromedp.CSS("#memberCode"), secretary.Code),
		chromedp.SendKeys(chromedp.CSS("#pin"), pin),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")))
	waitPage(t, chair, "/vi/chair/$")
	mustSay(t, chair, "Điểm cầu Ban Tuyên giáo", conf.Title, "Báo cáo năm "+date[:4]+" – Chi bộ Ban Tuyên giáo Tỉnh uỷ")
	chairPoint := fmt.Sprintf("/vi/chair/points/%d", points[0].ID)
	step(t, chair, "open the point", chromedp.Click(chromedp.CSS(`a[href="`+chairPoint+`"]`)))
	waitPage(t, chair, chairPoint)
	mustSay(t, chair, "Trần Văn Đức", "Báo cáo Điểm cầu Ban Tuyên giáo", "CSV – cần lưu ý")
	shootAt(t, chair, "chair-point", 1366, 768, false)
	got = download(t, chair, `#reports a[data-format="xlsx"]`)
	if want := `200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet attachment; filename="bao-cao-diem-cau-ban-tuyen-giao-hoi-nghi-hoc-tap-quan-triet-nghi-quyet-dai-hoi-xiv-cua-dang-` +
		date + `.xlsx"`; !strings.HasPrefix(got, want) {
		t.Errorf("the chair's XLSX link: got %q, want %q…", got, want)
	}

	// A member on a phone: their own page, in "đồng chí", with their reports.
	phone := browser(t)
	step(t, phone, "phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	step(t, phone, "sign in as a member", chromedp.Navigate(s.base+"/vi/login?mode=member"),
		chromedp.SendKeys(chromedp.CSS("#memberCode"), member.Code),
		chromedp.SendKeys(chromedp.CSS("#pin"), pin),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")))
	waitPage(t, phone, "/vi/$")
	year := strconv.Itoa(time.Now().In(attendance.VietnamTime).Year())
	mustSay(t, phone, "Xin chào, Trần Văn Đức", "Báo cáo của đồng chí", "Kết quả dự hội nghị năm "+year, "CSV")
	if page := text(t, phone); regexp.MustCompile(`(?i)\bbạn\b`).MatchString(page) {
		t.Errorf("the member's page says \"bạn\":\n%s", page)
	}
	if wide := value(t, phone, "page width", chromedp.Evaluate[bool](
		`document.documentElement.scrollWidth <= window.innerWidth`)); !wide {
		t.Errorf("the member's page is wider than the phone")
	}
	shootAt(t, phone, "member-home", 390, 844, true)
	got = download(t, phone, `#reports a[data-format="csv"]`)
	if want := `200 text/csv; charset=utf-8 attachment; filename="bao-cao-dang-vien-dv100002-tran-van-duc-` + year + `.csv"`; !strings.HasPrefix(got, want) {
		t.Errorf("the member's CSV link: got %q, want %q…", got, want)
	}
}
