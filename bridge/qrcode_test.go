package bridge

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// decodeQR reads a PNG with gozxing, a decoder independent of the encoder.
func decodeQR(t *testing.T, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("read QR: %v", err)
	}
	return res.GetText()
}

func TestCodes_PNG(t *testing.T) {
	c := NewCodes(100, time.Minute)
	url := "https://diemcau.example.vn/c/AQEBAgYAR21CBe4FUO0Q1SdLOQ8gi0"
	for _, size := range []int{MinQRSize, DefaultQRSize, MaxQRSize} {
		b, err := c.PNG(url, size, LevelMedium)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, b); got != url {
			t.Errorf("size %d: decoded %q, want %q", size, got, url)
		}
	}
	a, _ := c.PNG(url, 512, LevelMedium)
	b, _ := c.PNG(url, 512, LevelMedium)
	if &a[0] != &b[0] {
		t.Error("second request re-encoded; want the cached image")
	}
	for _, size := range []int{0, 127, 1025, -1} {
		if _, err := c.PNG(url, size, LevelMedium); err == nil {
			t.Errorf("size %d: got nil error, want refusal", size)
		}
	}
}

func TestCodes_SheetPDF(t *testing.T) {
	c := NewCodes(100, time.Minute)
	s := Sheet{
		Conference: "Hội nghị học tập, quán triệt Nghị quyết Đại hội XIV của Đảng",
		Point:      "Điểm cầu Chi bộ Ban Tuyên giáo Tỉnh uỷ",
		Location:   "Phòng họp tầng 2, số 1 đường Trần Hưng Đạo",
		StartsAt:   time.Date(2026, 2, 7, 1, 0, 0, 0, time.UTC),
		EndsAt:     time.Date(2026, 2, 7, 4, 0, 0, 0, time.UTC),
		CheckInURL: "http://localhost:8080/c/static", MaterialsURL: "http://localhost:8080/m/materials",
	}
	b, err := c.SheetPDF(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:8])
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed: cannot check the text")
	}
	f := filepath.Join(t.TempDir(), "sheet.pdf")
	os.WriteFile(f, b, 0o600)
	out, err := exec.Command(pdftotext, "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{s.Point, "Hội nghị học tập, quán triệt Nghị quyết", "QUÉT ĐỂ ĐIỂM DANH", "QUÉT ĐỂ XEM TÀI LIỆU",
		"07/02/2026, 08:00 – 11:00", "Trần Hưng Đạo"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
}

func TestCodes_Matrix(t *testing.T) {
	c := NewCodes(10, time.Minute)
	m, err := c.Matrix("http://127.0.0.1:8080/c/AQEBAcqiiTkAkMSHj8IOxf74zKcI7kE3zw")
	if err != nil {
		t.Fatal(err)
	}
	// A version-3 or 4 code (29 or 33 modules) with a 4-module quiet zone each side.
	if n := len(m); n < 37 || n > 41 || len(m[0]) != n {
		t.Fatalf("got %d×%d modules", len(m), len(m[0]))
	}
	if m[0] != strings.Repeat("0", len(m)) || m[4][4:11] != "1111111" {
		t.Errorf("no quiet zone or finder pattern: %q / %q", m[0], m[4])
	}
}
