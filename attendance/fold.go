package attendance

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Searching by name must find "Nguyễn Văn Đức" from "nguyen van duc": people type
// names without diacritics on phones and keyboards set to English. Fold is the key
// both sides are compared by: lower case, Vietnamese letters without their marks, đ
// as d.
//
// FoldFrom and FoldTo are the same mapping for SQL's translate(lower(s), FoldFrom,
// FoldTo): each letter of FoldFrom becomes the letter at its place in FoldTo, and the
// combining marks at its end (the same letters written decomposed) are dropped. The
// database keeps the folded names in generated columns made from these strings (the
// search migration); change them only with a migration that remakes those columns.
const (
	FoldFrom = "àáâãăạảấầẩẫậắằẳẵặèéêĕẹẻẽếềểễệìíîĩĭỉịòóôõŏơṍọỏốồổỗộớờởỡợùúûũŭưṹụủứừửữựýŷỳỵỷỹđ" +
		"ÀÁÂÃĂẠẢẤẦẨẪẬẮẰẲẴẶÈÉÊĔẸẺẼẾỀỂỄỆÌÍÎĨĬỈỊÒÓÔÕŎƠṌỌỎỐỒỔỖỘỚỜỞỠỢÙÚÛŨŬƯṸỤỦỨỪỬỮỰÝŶỲỴỶỸĐ" +
		"\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323"
	FoldTo = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeeiiiiiiiooooooooooooooooooouuuuuuuuuuuuuuyyyyyyd" +
		"aaaaaaaaaaaaaaaaaeeeeeeeeeeeeiiiiiiiooooooooooooooooooouuuuuuuuuuuuuuyyyyyyd"
)

// folded maps each rune of FoldFrom to its letter in FoldTo, or to -1 (dropped).
var folded = func() map[rune]rune {
	to := []rune(FoldTo)
	m := map[rune]rune{}
	for i, r := range []rune(FoldFrom) {
		if i < len(to) {
			m[r] = to[i]
		} else {
			m[r] = -1
		}
	}
	return m
}()

// Fold returns s lower-cased, with Vietnamese letters stripped of their marks and đ as
// d, as translate(lower(s), FoldFrom, FoldTo) does in the database.
func Fold(s string) string {
	return strings.Map(func(r rune) rune {
		if f, ok := folded[r]; ok {
			return f
		}
		return unicode.ToLower(r)
	}, s)
}

// vietnamese collators order names as Vietnamese does: a ă â b c d đ e ê …, marks and
// tones after the letters. A collator serves one goroutine at a time.
var vietnamese = sync.Pool{New: func() any { return collate.New(language.Vietnamese) }}

// NameKey is the sort key of a name in Vietnamese order: comparing keys byte by byte
// orders the names as a Vietnamese reader expects ("Đặng" after "Dương", "Ánh" before
// "Bình"), which the databases' byte order of UTF-8 does not.
func NameKey(name string) []byte {
	c := vietnamese.Get().(*collate.Collator)
	defer vietnamese.Put(c)
	var buf collate.Buffer
	return slices.Clone(c.KeyFromString(&buf, name))
}
