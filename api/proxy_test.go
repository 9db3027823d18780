package api_test

import (
	"net/http"
	"testing"

	"github.com/diemcau/diemcau/api"
	"github.com/diemcau/diemcau/internal/testdb"
)

// TestSignIn_ForwardedForIsNotBelieved: without trusted proxies, a client cannot
// escape the per-address sign-in limit by sending a new X-Forwarded-For each time.
func TestSignIn_ForwardedForIsNotBelieved(t *testing.T) {
	tg := testdb.Targets(t)[0]
	srv, _ := mustServer(t, tg, withConfig(api.Config{LoginRatePerAddress: "3-M", LoginRatePerLogin: "100-M"}))
	var last result
	for i := range 4 {
		last = do(t, srv, http.MethodPost, "/api/v1/auth/login", "",
			[]byte(`{"login":"khong-co","password":"sai-mat-khau-dai"}`), "application/json",
			withHeader("X-Forwarded-For", "10.0.0."+string(rune('1'+i))))
	}
	if last.Status != http.StatusTooManyRequests {
		t.Errorf("4th attempt from one address with new X-Forwarded-For: got %s, want 429", last)
	}
}
