package api_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDeps keeps GORM and pion out of api (docs/design.md §3): api sees the record through
// its Store interface and the live side through bridge.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/diemcau/diemcau/api").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/diemcau/diemcau/attendance") {
		t.Fatalf("go list -deps: got %d packages without attendance, want api's dependencies", len(deps))
	}
	for _, p := range deps {
		for _, banned := range []string{"gorm.io/", "github.com/pion/"} {
			if strings.HasPrefix(p, banned) {
				t.Errorf("api depends on %s, want no %s packages", p, banned)
			}
		}
	}
}
