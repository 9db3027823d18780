package attendance

import (
	"bytes"
	"slices"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Thị Thuỳ Dương":          "nguyen thi thuy duong",
		"TRẦN VĂN ĐỨC":                   "tran van duc",
		"Chi bộ Sở Tư pháp":              "chi bo so tu phap",
		norm.NFD.String("Hoàng Thị Yến"): "hoang thi yen", // typed decomposed
		"DV-000123":                      "dv-000123",
		"":                               "",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFold_EveryVietnameseLetter: every letter a Vietnamese name can hold, in either
// case and either form, folds to a plain lower-case ASCII letter.
func TestFold_EveryVietnameseLetter(t *testing.T) {
	marks := []rune{0x300, 0x301, 0x303, 0x309, 0x323} // the five tone marks
	for _, base := range []string{"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"} {
		for _, mark := range append([]rune{0}, marks...) {
			letter := base
			if mark != 0 {
				letter = norm.NFC.String(base + string(mark))
			}
			for _, form := range []string{letter, string(unicode.ToUpper([]rune(letter)[0])), norm.NFD.String(letter)} {
				got := Fold(form)
				if len(got) != 1 || got[0] < 'a' || got[0] > 'z' {
					t.Errorf("Fold(%q) = %q", form, got)
				}
			}
		}
	}
	if Fold("Đđ") != "dd" {
		t.Errorf("Fold(Đđ) = %q", Fold("Đđ"))
	}
	if n, m := len([]rune(FoldFrom)), len([]rune(FoldTo)); n != m+8 {
		t.Errorf("FoldFrom has %d letters and FoldTo %d: want 8 combining marks more", n, m)
	}
}

// TestNameKey: names in Vietnamese order, which byte order gets wrong.
func TestNameKey(t *testing.T) {
	want := []string{"Bùi Văn An", "Dương Văn Cường", "Đặng Văn Bình", "Lê Thị Ánh", "Lê Thị Anh Thư", "Vũ Thị Yến"}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortFunc(got, func(a, b string) int { return bytes.Compare(NameKey(a), NameKey(b)) })
	if !slices.Equal(got, want) {
		t.Errorf("sorted by NameKey: %q, want %q", got, want)
	}
}
