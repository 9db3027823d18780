package attendance

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diemcau/diemcau/internal/testroster"
)

// tooLarge are the files of issue 9, point 10, that read every row before refusing
// the file: a sheet of 1,000,001 rows (15 s and 860 MB), and a sheet padded with
// spaces, 257 KB zipped (580 MB); the padding in one cell as there, in many, and
// between cells. And a sheet just past the row limit, which is parsed up to it.
var tooLarge = []struct {
	name string
	file func() ([]byte, error)
	want FieldError
	// maxAlloc bounds what parseRoster allocates in all, which bounds its peak memory
	// from above: generous, a tenth or less of what reading every row took.
	maxAlloc uint64
}{
	// The row limit is reported at the line where the reading stopped: here the scan's,
	// at twice the limit; below, excelize's, just past it.
	{"1,000,001 rows", func() ([]byte, error) { return testroster.ManyRows(1_000_000) },
		FieldError{Field: "file", Code: CodeRange, Param: "100000", Line: 200_002}, 32 << 20},
	// Past the row limit but not twice past it, excelize parses the rows up to it.
	{"150,000 rows", func() ([]byte, error) { return testroster.ManyRows(150_000) },
		FieldError{Field: "file", Code: CodeRange, Param: "100000", Line: 100_002}, 1 << 30},
	{"one cell of 255 MiB of spaces", func() ([]byte, error) { return testroster.PaddedCells(testroster.OneCell, 255<<20, 0) },
		FieldError{Field: "file", Code: CodeTooLong, Param: "32767", Line: 2}, 32 << 20},
	{"cells padded with 100,000 spaces", func() ([]byte, error) {
		return testroster.PaddedCells(testroster.InCells, 255<<20, 100_000)
	}, FieldError{Field: "file", Code: CodeTooLong, Param: "32767", Line: 2}, 32 << 20},
	{"100,000 spaces between cells", func() ([]byte, error) {
		return testroster.PaddedCells(testroster.BetweenCells, 255<<20, 100_000)
	}, FieldError{Field: "file", Code: CodeTooLong, Param: "32767", Line: 2}, 32 << 20},
}

// TestParseRoster_TooLarge: a workbook too large to be a roster stops where that
// shows, with one problem naming the limit, having allocated a small part of what
// reading it whole took.
func TestParseRoster_TooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds files of hundreds of megabytes unzipped")
	}
	for _, tt := range tooLarge {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.file()
			if err != nil {
				t.Fatal(err)
			}
			var rows []RosterRow
			alloc := allocated(func() { rows, err = parseRoster(bytes.NewReader(data)) })
			var ve *ValidationError
			if rows != nil || !errors.As(err, &ve) {
				t.Fatalf("parseRoster(): got %d rows, error %v; want a *ValidationError", len(rows), err)
			}
			if want := []FieldError{tt.want}; !slices.Equal(ve.Fields, want) {
				t.Errorf("parseRoster() problems: got %+v, want %+v", ve.Fields, want)
			}
			if alloc > tt.maxAlloc {
				t.Errorf("parseRoster() allocated %d MiB, want at most %d MiB", alloc>>20, tt.maxAlloc>>20)
			}
		})
	}
}

// TestParseRoster_PaddedBelowLimit: cells padded with spaces but within the cell
// limit are a roster; the rows kept do not keep the spaces.
func TestParseRoster_PaddedBelowLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a file of 64 MiB unzipped")
	}
	data, err := testroster.PaddedCells(testroster.InCells, 64<<20, 30_000)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	before := heapLive()
	rows, err := parseRoster(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parseRoster(): %v", err)
	}
	runtime.GC()
	kept := heapLive() - min(before, heapLive())
	if want := (64<<20)/30_000 + 1; len(rows) != want {
		t.Errorf("got %d rows, want %d", len(rows), want)
	}
	for _, r := range rows {
		if r.FullName != "Nguyễn Văn Người" || strings.TrimSpace(r.OrgRef) != "CB01" {
			t.Fatalf("row %d: got %+v", r.Line, r)
		}
	}
	// The rows themselves are a few hundred kilobytes; with their spaces, 64 MiB.
	if kept > 8<<20 {
		t.Errorf("the rows keep %d MiB, want under 8 MiB", kept>>20)
	}
	runtime.KeepAlive(rows)
}

// allocated returns the bytes fn allocates. It is a bound from above on the memory fn
// holds at its peak, and unlike a peak it does not depend on when the collector runs.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// heapLive is the memory of the heap's objects, live ones only just after a collection.
func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkParseRoster_TooLarge measures the files of TestParseRoster_TooLarge: time,
// what is allocated, and the peak of the heap, sampled every 100 µs while parsing.
// Run it one file per process to read the process's peak resident memory too:
//
//	go test -c -o /tmp/attendance.test ./attendance
//	/usr/bin/time -v /tmp/attendance.test -test.run '^$' -test.bench 'ParseRoster_TooLarge/1,000,001' -test.benchtime 1x
func BenchmarkParseRoster_TooLarge(b *testing.B) {
	for _, tt := range tooLarge {
		b.Run(tt.name, func(b *testing.B) {
			data, err := tt.file()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(data))/1e3, "zipped-kB")
			runtime.GC()
			var peak, alloc uint64
			for b.Loop() {
				peak = max(peak, peakHeap(func() {
					alloc = allocated(func() { _, err = parseRoster(bytes.NewReader(data)) })
				}))
			}
			if err == nil {
				b.Fatal("parseRoster() took the file")
			}
			b.ReportMetric(float64(alloc)/(1<<20), "alloc-MiB")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// peakHeap returns the largest heap seen while fn runs.
func peakHeap(fn func()) uint64 {
	var stop atomic.Bool
	var peak uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			peak = max(peak, heapLive())
			time.Sleep(100 * time.Microsecond)
		}
	}()
	fn()
	stop.Store(true)
	<-done
	return peak
}

// TestParseRoster_CellLimits: a cell may have maxRosterCell characters and no more, in
// CSV and XLSX, written in the sheet or as a shared string; a row's cells together may
// have maxRosterRowText.
func TestParseRoster_CellLimits(t *testing.T) {
	note := func(n int) string { return strings.Repeat("ễ", n) }
	header := []any{"Mã", "Họ và tên", "Tổ chức", "Ghi chú"}
	row := func(code, text string) []any { return []any{code, "Trần Văn Đức", "CB01", text} }
	cell := func(line int) []FieldError {
		return []FieldError{{Field: "file", Code: CodeTooLong, Param: "32767", Line: line}}
	}
	wide := []any{"DV3", "Trần Văn Đức", "CB01"}
	for range 9 {
		wide = append(wide, note(30_000))
	}
	tests := []struct {
		name string
		in   []byte
		want []FieldError // nil: the file is a roster
	}{
		{"CSV cell at the limit", []byte("Mã;Họ và tên;Tổ chức;Ghi chú\nDV1;Trần Văn Đức;CB01;" + note(maxRosterCell) + "\n"), nil},
		{"CSV cell over the limit", []byte("Mã;Họ và tên;Tổ chức;Ghi chú\nDV1;Trần Văn Đức;CB01;\n" +
			"DV2;Trần Văn Đức;CB01;" + note(maxRosterCell+1) + "\n"), cell(3)},
		{"XLSX shared string at the limit", mustXLSX(t, xlsxSheet{"Sheet1", [][]any{header, row("DV1", note(maxRosterCell))}}), nil},
		// excelize cuts a longer string to Excel's limit as it writes; other tools may not.
		{"XLSX shared string over the limit", replacePart(t, mustXLSX(t, xlsxSheet{"Sheet1", [][]any{header, row("DV1", "x")}}),
			"xl/sharedStrings.xml", func(xml string) string {
				return strings.Replace(xml, "<t>x</t>", "<t>"+note(maxRosterCell+1)+"</t>", 1)
			}),
			[]FieldError{{Field: "file", Code: CodeTooLong, Param: "32767"}}},
		{"XLSX cell written in the sheet over the limit", replacePart(t, mustXLSX(t, xlsxSheet{"Sheet1", [][]any{header, row("DV1", "x")}}),
			"xl/worksheets/sheet1.xml", func(xml string) string {
				return strings.Replace(xml, `<c r="D2" t="s"><v>7</v></c>`,
					`<c r="D2" t="inlineStr"><is><t>`+note(maxRosterCell)+`</t><t>!</t></is></c>`, 1)
			}), cell(2)},
		{"XLSX row over its limit", mustXLSX(t, xlsxSheet{"Sheet1", [][]any{header, row("DV1", ""), nil, wide}}),
			[]FieldError{{Field: "file", Code: CodeTooLong, Param: "262144", Line: 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := parseRoster(bytes.NewReader(tt.in))
			if tt.want == nil {
				if err != nil || len(rows) != 1 {
					t.Fatalf("parseRoster(): got %d rows, %v; want 1 row", len(rows), err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !slices.Equal(ve.Fields, tt.want) {
				t.Errorf("parseRoster(): got %v, want %+v", err, tt.want)
			}
		})
	}
}

// replacePart returns the zip data with the text of its part name changed by edit.
func replacePart(t *testing.T, data []byte, name string, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			edited := edit(string(b))
			if edited == string(b) {
				t.Fatalf("%s: nothing changed", name)
			}
			b, found = []byte(edited), true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil || !found {
		t.Fatalf("replace %s: %v, found %v", name, err, found)
	}
	return buf.Bytes()
}
