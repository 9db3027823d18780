package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/diemcau/diemcau/internal/testdb"
)

// TestSignal_WithoutHub: an instance started without the WebRTC hub says so.
func TestSignal_WithoutHub(t *testing.T) {
	e := ciSetup(t, testdb.Targets(t)[0])
	chair := e.login(t, map[string]string{"memberCode": "A1", "pin": ciPIN})
	r := e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/points/%d/signal", e.pA.ID), chair,
		map[string]string{"type": "offer", "sdp": "v=0\r\n"})
	if r.Status != http.StatusServiceUnavailable || r.problemType(t) != "/problems/consoles-off" {
		t.Errorf("got %d %s, want 503 consoles-off", r.Status, r.Body)
	}
	member := e.login(t, map[string]string{"memberCode": "A2", "pin": ciPIN})
	if r := e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/points/%d/signal", e.pA.ID), member,
		map[string]string{"type": "offer", "sdp": "v=0\r\n"}); r.Status != http.StatusForbidden {
		t.Errorf("a member opens the console: got %d, want 403", r.Status)
	}
	chairB := e.login(t, map[string]string{"memberCode": "B1", "pin": ciPIN})
	if r := e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/points/%d/signal", e.pA.ID), chairB,
		map[string]string{"type": "offer", "sdp": "v=0\r\n"}); r.Status != http.StatusNotFound {
		t.Errorf("another point's chair opens the console: got %d, want 404", r.Status)
	}
}

// TestConsolePage_Kiosk: the console is the room's wall screen, so its page has none of
// the site's chrome (header, language switch, sign-out, footer) that every other page
// keeps, and it carries the screen's words in Vietnamese and English.
func TestConsolePage_Kiosk(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg testdb.Target) {
		srv, db := mustServer(t, tg)
		w := mustWorld(t, db)
		chair := memberBrowser(t, srv, w.SecA.Code)
		for _, tc := range []struct {
			lang  string
			words []string
			attr  string
		}{
			{"vi", []string{w.PointA.Name, w.Conf.Title, "QUÉT MÃ ĐỂ ĐIỂM DANH", "đã điểm danh", "Đang kết nối…", "Vừa đến",
				"Toàn màn hình", "Tài liệu hội nghị", "Số người trong phòng", "Chủ trì: " + w.SecA.FullName,
				"Trình duyệt không giữ được màn hình luôn sáng"}, `data-template="Mã mới sau {n} giây"`},
			{"en", []string{w.PointA.Name, "SCAN TO CHECK IN", "checked in", "Connecting…", "Just arrived", "Full screen",
				"Conference materials", "People in the room", "Chair: " + w.SecA.FullName,
				"This browser cannot keep the screen on"}, `data-template="New code in {n} s"`},
		} {
			res := chair.get(fmt.Sprintf("/%s/console/%d", tc.lang, w.PointA.ID))
			reqWant(t, res, http.StatusOK, tc.words...)
			page := res.Body.String()
			if !strings.Contains(page, tc.attr) {
				t.Errorf("/%s/console: no countdown text %s", tc.lang, tc.attr)
			}
			for _, chrome := range []string{`<header class="top"`, "/logout", "<footer", "hreflang=", `class="brand"`} {
				if strings.Contains(page, chrome) {
					t.Errorf("/%s/console shows the site's chrome: %s", tc.lang, chrome)
				}
			}
		}
		// An organizer who opens the console runs it but does not chair the room: the
		// screen says who opened it, never "Chủ trì: <organizer>".
		staff := staffBrowser(t, srv, "organizer")
		res := staff.get(fmt.Sprintf("/vi/console/%d", w.PointA.ID))
		reqWant(t, res, http.StatusOK, "Ban tổ chức mở màn hình: ")
		if strings.Contains(res.Body.String(), "Chủ trì: ") {
			t.Errorf("an organizer's console names them chair")
		}
		// Every other page keeps the chrome the console drops.
		page := chair.get(fmt.Sprintf("/vi/chair/points/%d", w.PointA.ID)).Body.String()
		for _, chrome := range []string{`<header class="top"`, `action="/vi/logout"`, "<footer", "hreflang="} {
			if !strings.Contains(page, chrome) {
				t.Errorf("the chair's page lost the site's chrome: no %s", chrome)
			}
		}
	})
}
