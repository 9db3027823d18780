package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// messageFiles reads every message file of web/i18n, by name.
func messageFiles(t *testing.T) map[string]map[string]string {
	t.Helper()
	names, err := filepath.Glob("../web/i18n/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no message files: %v", err)
	}
	out := map[string]map[string]string{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out[filepath.Base(n)] = m
	}
	return out
}

// TestMessages_BothLanguages: every page and message exists in Vietnamese and English
// (docs/design.md §21.4), so each Vietnamese file has an English twin with the same ids.
func TestMessages_BothLanguages(t *testing.T) {
	files := messageFiles(t)
	for name, vi := range files {
		if name != "vi.json" && !strings.HasSuffix(name, ".vi.json") {
			continue
		}
		twin := strings.TrimSuffix(strings.TrimSuffix(name, "vi.json"), ".") + ".en.json"
		if name == "vi.json" {
			twin = "en.json"
		}
		en, ok := files[twin]
		if !ok {
			t.Errorf("%s has no English twin %s", name, twin)
			continue
		}
		for id := range vi {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %q has no English", twin, id)
			}
		}
		for id := range en {
			if _, ok := vi[id]; !ok {
				t.Errorf("%s: %q has no Vietnamese", name, id)
			}
		}
	}
}

// TestMessages_DongChi: members and staff are addressed as "đồng chí" everywhere, the
// phone pages included, never "bạn"; and the phone says in plain words when a printed
// code was used rather than speaking of assurance levels.
func TestMessages_DongChi(t *testing.T) {
	words := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	}
	for name, m := range messageFiles(t) {
		if name != "vi.json" && !strings.HasSuffix(name, ".vi.json") {
			continue
		}
		for id, text := range m {
			if slices.Contains(words(text), "bạn") {
				t.Errorf("%s %s says \"bạn\": %q", name, id, text)
			}
		}
	}
	templates, err := filepath.Glob("../web/templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := filepath.Glob("../web/static/*.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(templates, scripts...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(words(string(b)), "bạn") {
			t.Errorf("%s says \"bạn\"", f)
		}
	}

	tr, err := newTranslator(os.DirFS("../web/i18n"))
	if err != nil {
		t.Fatal(err)
	}
	phone := checkinMessages(tr, "vi")
	if got := phone["already"]; got != "Đồng chí đã điểm danh trước đó" {
		t.Errorf("the phone's \"already\" says %q", got)
	}
	static := phone["staticQR"].(string)
	if strings.Contains(static, "tin cậy") || !strings.Contains(static, "mã in trên giấy") {
		t.Errorf("the phone's printed-code note says %q, want plain words about the paper code", static)
	}
	if en := checkinMessages(tr, "en")["staticQR"].(string); strings.Contains(en, "assurance") || !strings.Contains(en, "printed on paper") {
		t.Errorf("the English note says %q", en)
	}
}
