package api_test

import (
	"fmt"
	"net/http"
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
