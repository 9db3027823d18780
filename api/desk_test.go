package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/diemcau/diemcau/internal/testdb"
)

// The tests of this file reproduce the holes the desk closed (issue 9), each through
// the HTTP surface as an attacker or a careless chair would meet it.

// form posts a page form on client, signed in with a session cookie and its CSRF token.
func (e *ciEnv) form(t *testing.T, client *http.Client, path, csrf string, values url.Values) ciResp {
	t.Helper()
	values.Set("_csrf", csrf)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return ciResp{Status: resp.StatusCode, Body: []byte(b.String()), Header: resp.Header}
}

// signedIn signs a browser in through the API and returns the bearer token and the
// CSRF token its session cookie needs.
func (e *ciEnv) signedIn(t *testing.T, client *http.Client, body map[string]string) (token, csrf string) {
	t.Helper()
	r := e.do(t, client, http.MethodPost, "/api/v1/auth/login", "", body)
	if r.Status != http.StatusOK {
		t.Fatalf("sign in %v: %d %s", body, r.Status, r.Body)
	}
	m := r.json(t)
	return m["token"].(string), m["csrfToken"].(string)
}

func (e *ciEnv) currentCode(point attendance.Point) string {
	sign := ciSigner(ciSecret)
	return sign.Sign(sign.Current(bridge.KindCheckIn, e.conf.ID, point.ID, e.clock.Now()))
}

// TestDesk_EveryPINPathLocks: wrong PINs count toward the member's lock on every path
// that takes a PIN, and the lock holds on every other path — the sign-in API above
// all, which answered a locked member 200 with a token that then checked in without
// a PIN.
func TestDesk_EveryPINPathLocks(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			chair := e.login(t, map[string]string{"memberCode": "A1", "pin": ciPIN})
			if r := e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%d/rollcalls", e.conf.ID), chair,
				map[string]any{"pointId": e.pA.ID, "windowMinutes": 5}); r.Status != http.StatusCreated {
				t.Fatalf("start roll call: %d %s", r.Status, r.Body)
			}
			qr := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/qr", e.pA.ID), chair, nil).json(t)
			rollCall := tokenOf(qr["rollCallUrl"].(string))
			code := e.currentCode(e.pA)

			wrong := func(t *testing.T, path, member string, i int) {
				t.Helper()
				var r ciResp
				switch path {
				case "check-in":
					r = e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": code,
						"memberCode": member, "pin": "000000", "key": fmt.Sprintf("wrong-%s-%d", member, i)})
				case "roll-call answer":
					r = e.do(t, nil, http.MethodPost, "/api/v1/rollcalls/answers", "", map[string]string{"token": rollCall,
						"memberCode": member, "pin": "000000"})
				case "login":
					r = e.do(t, nil, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"memberCode": member, "pin": "000000"})
				case "check-in page":
					phone := e.phone()
					_, ticket := e.openLink(t, phone, e.srv.URL+"/c/"+code)
					r = e.form(t, phone, "/vi/c/"+code, "", url.Values{"ticket": {ticket}, "key": {fmt.Sprintf("page-wrong-%d", i)},
						"kind": {"checkin"}, "memberCode": {member}, "pin": {"000000"}})
				case "sign-in page":
					r = e.form(t, e.phone(), "/vi/login", "", url.Values{"mode": {"member"}, "memberCode": {member}, "pin": {"000000"}})
				}
				if i < 4 && (r.Status != http.StatusUnauthorized && r.Status != http.StatusOK) || i == 4 && r.Status != http.StatusTooManyRequests {
					t.Errorf("%s, wrong PIN %d of %s: got %d %.300s", path, i+1, member, r.Status, r.Body)
				}
			}
			for _, tt := range []struct{ path, member string }{
				{"check-in", "A2"}, {"roll-call answer", "A3"}, {"login", "B2"}, {"check-in page", "C1"}, {"sign-in page", "B1"},
			} {
				t.Run(tt.path, func(t *testing.T) {
					for i := range 5 {
						wrong(t, tt.path, tt.member, i)
					}
					// Locked now wherever the right PIN is typed.
					r := e.do(t, nil, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"memberCode": tt.member, "pin": ciPIN})
					if r.Status != http.StatusTooManyRequests || r.problemType(t) != "/problems/locked" || r.Header.Get("Retry-After") == "" {
						t.Errorf("login with the right PIN after 5 wrong by %s: got %d %s %v, want 429 locked with Retry-After",
							tt.path, r.Status, r.Body, r.Header)
					}
					r = e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": code,
						"memberCode": tt.member, "pin": ciPIN, "key": "right-" + tt.member})
					if r.Status != http.StatusTooManyRequests || r.problemType(t) != "/problems/locked" {
						t.Errorf("check-in with the right PIN after 5 wrong by %s: got %d %s, want 429 locked", tt.path, r.Status, r.Body)
					}
				})
			}
		})
	}
}

// TestDesk_AddressThrottle: one guesser behind a hall's address is refused after 30
// wrong PINs a minute, and may not keep guessing at a member they already tried;
// other members of the hall still check in with their right PIN.
func TestDesk_AddressThrottle(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			code := e.currentCode(e.pA)
			guess := func(member string, i int) ciResp {
				return e.do(t, nil, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"memberCode": member,
					"pin": fmt.Sprintf("%06d", 100000+i)})
			}
			// A guesser spreads wrong PINs over many codes, below each member's lock.
			for i := range attendance.ThrottleAddress.Max {
				if r := guess(fmt.Sprintf("X%03d", i), i); r.Status != http.StatusUnauthorized {
					t.Fatalf("guess %d: got %d %s, want 401", i+1, r.Status, r.Body)
				}
			}
			r := guess("X999", 999)
			if r.Status != http.StatusTooManyRequests || r.problemType(t) != "/problems/throttled" {
				t.Fatalf("guess past the bound: got %d %s, want 429 throttled", r.Status, r.Body)
			}
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
				t.Errorf("Retry-After %q, want within the minute", r.Header.Get("Retry-After"))
			}
			// While the address is throttled a wrong PIN is refused as such; a member
			// already guessed at is then refused at once, even with the right PIN, so
			// the guesser cannot go on trying them.
			mustDesk(t, e.do(t, nil, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"memberCode": "A2", "pin": "999999"}),
				http.StatusTooManyRequests, "/problems/throttled")
			r = e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": code, "memberCode": "A2",
				"pin": "999999", "key": "throttled-a2-1"})
			mustDesk(t, r, http.StatusTooManyRequests, "/problems/throttled")
			r = e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": code, "memberCode": "A2",
				"pin": ciPIN, "key": "throttled-a2-2"})
			mustDesk(t, r, http.StatusTooManyRequests, "/problems/throttled")
			// The hall's other members still check in.
			for _, m := range []string{"A3", "A1"} {
				r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": code, "memberCode": m,
					"pin": ciPIN, "key": "hall-member-" + m})
				mustDesk(t, r, http.StatusCreated, "")
			}
			// A minute later the address may guess again.
			e.clock.Add(61 * time.Second)
			code = e.currentCode(e.pA)
			r = e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": code, "memberCode": "A2",
				"pin": ciPIN, "key": "throttled-a2-3"})
			mustDesk(t, r, http.StatusCreated, "")
		})
	}
}

func mustDesk(t *testing.T, r ciResp, status int, kind string) {
	t.Helper()
	if r.Status != status || kind != "" && r.problemType(t) != kind {
		t.Errorf("got %d %s, want %d %s", r.Status, r.Body, status, kind)
	}
}

// TestDesk_ChairScope: a chair checks in, moves, undoes, confirms and checks out only
// members of their organizations, members invited at their point and the approved
// substitutes of those — on the API and the page alike. Before, only the point was
// checked: chair A checked in B2 of chi bộ B at point A (201), moved B2 from point B
// (200 moved), then undid that check-in.
func TestDesk_ChairScope(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			ctx := context.Background()
			browser := e.phone()
			chair, csrf := e.signedIn(t, browser, map[string]string{"memberCode": "A1", "pin": ciPIN})
			manual := fmt.Sprintf("/api/v1/points/%d/checkins", e.pA.ID)

			// Another organization's member, not yet in anywhere: 404 on the API and the page.
			mustDesk(t, e.do(t, nil, http.MethodPost, manual, chair, map[string]any{"memberId": e.m["B2"].ID, "reason": "x"}),
				http.StatusNotFound, "/problems/not-found")
			page := e.form(t, browser, fmt.Sprintf("/vi/chair/points/%d/checkin", e.pA.ID), csrf,
				url.Values{"memberId": {strconv.FormatInt(e.m["B2"].ID, 10)}, "reason": {"x"}})
			if page.Status != http.StatusNotFound {
				t.Errorf("page check-in of B2 by chair A: got %d, want 404", page.Status)
			}
			// Nor a member invited nowhere.
			mustDesk(t, e.do(t, nil, http.MethodPost, manual, chair, map[string]any{"memberId": e.m["C1"].ID, "reason": "x"}),
				http.StatusNotFound, "/problems/not-found")

			// B2 checks in at point B; chair A cannot move them to A.
			r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": e.currentCode(e.pB),
				"memberCode": "B2", "pin": ciPIN, "key": "scope-b2-at-b"})
			mustDesk(t, r, http.StatusCreated, "")
			atB := int64(r.json(t)["checkIn"].(map[string]any)["id"].(float64))
			mustDesk(t, e.do(t, nil, http.MethodPost, manual, chair, map[string]any{"memberId": e.m["B2"].ID, "reason": "x"}),
				http.StatusNotFound, "/problems/not-found")
			if ci, err := e.db.CheckInByID(ctx, atB); err != nil || ci.PointID != e.pB.ID || !ci.Active() {
				t.Errorf("B2's check-in after chair A's try: %+v, %v; want still at point B", ci, err)
			}
			// Nor undo, confirm or check out B2 at point B.
			for _, action := range []string{"undo", "confirm", "checkout"} {
				mustDesk(t, e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/checkins/%d/%s", atB, action), chair,
					map[string]any{"reason": "x"}), http.StatusNotFound, "/problems/not-found")
				page := e.form(t, browser, fmt.Sprintf("/vi/chair/checkins/%d/%s", atB, action), csrf, url.Values{"reason": {"x"}})
				if page.Status != http.StatusNotFound {
					t.Errorf("page %s of B2's check-in by chair A: got %d, want 404", action, page.Status)
				}
			}
			// B2 then scans point A's code (the wrong room): the check-in is at A now, but
			// B2 is still not chair A's to undo, confirm or check out.
			r = e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": e.currentCode(e.pA),
				"memberCode": "B2", "pin": ciPIN, "key": "scope-b2-at-a"})
			mustDesk(t, r, http.StatusOK, "")
			for _, action := range []string{"undo", "confirm", "checkout"} {
				mustDesk(t, e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/checkins/%d/%s", atB, action), chair,
					map[string]any{"reason": "x"}), http.StatusNotFound, "/problems/not-found")
				page := e.form(t, browser, fmt.Sprintf("/vi/chair/checkins/%d/%s", atB, action), csrf, url.Values{"reason": {"x"}})
				if page.Status != http.StatusNotFound {
					t.Errorf("page %s of B2's check-in at A by chair A: got %d, want 404", action, page.Status)
				}
			}
			if ci, err := e.db.CheckInByID(ctx, atB); err != nil || !ci.Active() || ci.CheckedOutAt != nil {
				t.Errorf("B2's check-in after chair A's tries: %+v, %v; want active, not checked out", ci, err)
			}

			// Their own members, and an approved substitute, they may.
			r = e.do(t, nil, http.MethodPost, manual, chair, map[string]any{"memberId": e.m["A2"].ID, "reason": "Quên điện thoại"})
			mustDesk(t, r, http.StatusCreated, "")
			own := int64(r.json(t)["checkIn"].(map[string]any)["id"].(float64))
			mustDesk(t, e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/checkins/%d/checkout", own), chair,
				map[string]any{"reason": "Về sớm"}), http.StatusOK, "")

			a3, err := e.db.FileDelegation(ctx, attendance.Principal{Role: attendance.RoleMember, MemberID: e.m["A3"].ID},
				attendance.DelegationInput{ConferenceID: e.conf.ID, MemberID: e.m["A3"].ID, SubstituteID: e.m["C1"].ID, Reason: "Đi công tác"})
			if err != nil {
				t.Fatal(err)
			}
			chairP := attendance.Principal{Role: attendance.RoleChair, MemberID: e.m["A1"].ID, OrgIDs: []int64{e.m["A1"].OrganizationID}}
			if _, err := e.db.DecideDelegation(ctx, chairP, a3.ID, true, "Đồng ý"); err != nil {
				t.Fatal(err)
			}
			r = e.do(t, nil, http.MethodPost, manual, chair, map[string]any{"memberId": e.m["C1"].ID, "reason": "Người được ủy nhiệm"})
			mustDesk(t, r, http.StatusCreated, "")
			sub := int64(r.json(t)["checkIn"].(map[string]any)["id"].(float64))
			mustDesk(t, e.do(t, nil, http.MethodPost, fmt.Sprintf("/api/v1/checkins/%d/undo", sub), chair,
				map[string]any{"reason": "Nhầm"}), http.StatusOK, "")
		})
	}
}

// TestDesk_TicketNotRenewed: a ticket is made only from a fresh code, so one
// photographed code lives no longer than one ticket; and a printed code's ticket
// keeps the printed code's flag.
func TestDesk_TicketNotRenewed(t *testing.T) {
	e := ciSetup(t, testdb.Targets(t)[0])
	exchange := func(token string) ciResp {
		return e.do(t, nil, http.MethodPost, "/api/v1/checkins/tickets", "", map[string]string{"token": token})
	}
	r := exchange(e.currentCode(e.pA))
	mustDesk(t, r, http.StatusOK, "")
	ticket := r.json(t)["ticket"].(string)
	mustDesk(t, exchange(ticket), http.StatusBadRequest, "/problems/token-kind")
	e.clock.Add(14 * time.Minute)
	mustDesk(t, exchange(ticket), http.StatusBadRequest, "/problems/token-kind")
	e.clock.Add(2 * time.Minute)
	r = e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"ticket": ticket, "memberCode": "A2", "pin": ciPIN,
		"key": "expired-ticket"})
	mustDesk(t, r, http.StatusGone, "/problems/token-expired")

	sign := ciSigner(ciSecret)
	static := sign.Sign(bridge.Token{Kind: bridge.KindStatic, ConferenceID: e.conf.ID, PointID: e.pB.ID})
	r = exchange(static)
	mustDesk(t, r, http.StatusOK, "")
	if r.json(t)["kind"] != "static" {
		t.Errorf("ticket of a printed code: kind %v, want static", r.json(t)["kind"])
	}
	staticTicket := r.json(t)["ticket"].(string)
	mustDesk(t, exchange(staticTicket), http.StatusBadRequest, "/problems/token-kind")
	r = e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"ticket": staticTicket, "memberCode": "B2", "pin": ciPIN,
		"key": "static-ticket"})
	mustDesk(t, r, http.StatusCreated, "")
	if flags := fmt.Sprint(r.json(t)["checkIn"].(map[string]any)["flags"]); flags != "[static_qr]" {
		t.Errorf("check-in with a printed code's ticket: flags %s, want [static_qr]", flags)
	}
}

// TestDesk_CredentialsEnd: a PIN change, a reset, a deactivation end the member's
// bearer tokens and their phones' one-tap cookies; reactivating brings none back.
func TestDesk_CredentialsEnd(t *testing.T) {
	for _, tg := range testdb.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			e := ciSetup(t, tg)
			ctx := context.Background()
			admin := attendance.Account{Login: "quantri", Role: attendance.RoleAdmin, Active: true}
			if err := e.db.CreateAccount(ctx, &admin, "mật-khẩu-quản-trị"); err != nil {
				t.Fatal(err)
			}
			adminTok := e.login(t, map[string]string{"login": "quantri", "password": "mật-khẩu-quản-trị"})
			patch := func(body map[string]any) {
				t.Helper()
				r := e.do(t, nil, http.MethodPatch, fmt.Sprintf("/api/v1/members/%d", e.m["A2"].ID), adminTok, body)
				mustDesk(t, r, http.StatusOK, "")
			}
			// A phone checks in with the PIN, so it is remembered; the member signs in too.
			phone := e.phone()
			checkIn := func(key string, pin string) ciResp {
				body := map[string]string{"token": e.currentCode(e.pA), "key": key}
				if pin != "" {
					body["memberCode"], body["pin"] = "A2", pin
				}
				return e.do(t, phone, http.MethodPost, "/api/v1/checkins", "", body)
			}
			mustDesk(t, checkIn("cred-pin-1", ciPIN), http.StatusCreated, "")
			mustDesk(t, checkIn("cred-tap-1", ""), http.StatusOK, "") // one tap: already in
			tok := e.login(t, map[string]string{"memberCode": "A2", "pin": ciPIN})
			mustDesk(t, e.do(t, nil, http.MethodGet, "/api/v1/auth/me", tok, nil), http.StatusOK, "")

			patch(map[string]any{"pin": "246801"})
			mustDesk(t, e.do(t, nil, http.MethodGet, "/api/v1/auth/me", tok, nil), http.StatusUnauthorized, "/problems/unauthenticated")
			mustDesk(t, checkIn("cred-tap-2", ""), http.StatusUnprocessableEntity, "/problems/validation")

			// With the new PIN the phone is remembered again; deactivating and
			// reactivating the member ends that and the new session for good.
			mustDesk(t, checkIn("cred-pin-2", "246801"), http.StatusOK, "")
			mustDesk(t, checkIn("cred-tap-3", ""), http.StatusOK, "")
			tok = e.login(t, map[string]string{"memberCode": "A2", "pin": "246801"})
			patch(map[string]any{"active": false})
			patch(map[string]any{"active": true})
			mustDesk(t, e.do(t, nil, http.MethodGet, "/api/v1/auth/me", tok, nil), http.StatusUnauthorized, "/problems/unauthenticated")
			mustDesk(t, checkIn("cred-tap-4", ""), http.StatusUnprocessableEntity, "/problems/validation")
		})
	}
}

// TestDesk_OneSpelling: the live service refuses a token spelled another way than the
// server wrote it (a line break inside, as a lenient base64 decoder would read it).
func TestDesk_OneSpelling(t *testing.T) {
	e := ciSetup(t, testdb.Targets(t)[0])
	code := e.currentCode(e.pA)
	for _, bent := range []string{code[:8] + "\r\n" + code[8:], code + "\n", code + "="} {
		r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": bent, "memberCode": "A2",
			"pin": ciPIN, "key": "one-spelling-key"})
		mustDesk(t, r, http.StatusBadRequest, "/problems/token-malformed")
	}
}

// TestDesk_CodeAnyCase: a member code is read without case and surrounding spaces, so
// "a2 " signs in as A2, on the login and at check-in.
func TestDesk_CodeAnyCase(t *testing.T) {
	e := ciSetup(t, testdb.Targets(t)[0])
	mustDesk(t, e.do(t, nil, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"memberCode": " a2 ", "pin": ciPIN}),
		http.StatusOK, "")
	r := e.do(t, nil, http.MethodPost, "/api/v1/checkins", "", map[string]string{"token": e.currentCode(e.pA), "memberCode": "a3",
		"pin": ciPIN, "key": "lower-case-code"})
	mustDesk(t, r, http.StatusCreated, "")
	if r.json(t)["memberName"] != e.m["A3"].FullName {
		t.Errorf("checked in as %v, want %s", r.json(t)["memberName"], e.m["A3"].FullName)
	}
}

// TestDesk_OneExpected: the roster API, the chair's page and the console show one
// expected figure, the invitees less the exempt, who are shown apart (the chair's page
// said 0/19 where the console and the board said 0/18).
func TestDesk_OneExpected(t *testing.T) {
	e := ciSetup(t, testdb.Targets(t)[0])
	ctx := context.Background()
	a3 := e.m["A3"]
	a3.Exempt = true
	if err := e.db.UpdateMember(ctx, &a3, ""); err != nil {
		t.Fatal(err)
	}
	browser := e.phone()
	chair, _ := e.signedIn(t, browser, map[string]string{"memberCode": "A1", "pin": ciPIN})
	roster := e.do(t, nil, http.MethodGet, fmt.Sprintf("/api/v1/points/%d/roster", e.pA.ID), chair, nil).json(t)
	if roster["expected"] != 2.0 || roster["invited"] != 3.0 || roster["exempt"] != 1.0 {
		t.Errorf("roster: expected %v, invited %v, exempt %v; want 2, 3, 1", roster["expected"], roster["invited"], roster["exempt"])
	}
	for _, page := range []string{fmt.Sprintf("/vi/chair/points/%d", e.pA.ID), fmt.Sprintf("/vi/console/%d", e.pA.ID)} {
		r := e.do(t, browser, http.MethodGet, page, "", nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `<span id="expected">2</span>`) {
			t.Errorf("%s: %d, does not show 2 expected", page, r.Status)
		}
	}
	r := e.do(t, browser, http.MethodGet, fmt.Sprintf("/vi/chair/points/%d", e.pA.ID), "", nil)
	if !strings.Contains(string(r.Body), "không tính 1 đồng chí miễn sinh hoạt") {
		t.Errorf("the chair's page does not show the exempt member apart")
	}
}
