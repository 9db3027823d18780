package bridge

import (
	"bytes"
	"fmt"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/web"
	"github.com/signintech/gopdf"
)

// Sheet is what a point's printable QR sheet shows.
type Sheet struct {
	Conference   string
	Point        string
	Location     string
	StartsAt     time.Time
	EndsAt       time.Time
	CheckInURL   string // the static check-in code: valid only in the check-in window
	MaterialsURL string
}

// SheetPDF lays out an A4 page for rooms without a screen: the point and conference in
// Vietnamese (with English captions), the static check-in code and the materials code.
func (c *Codes) SheetPDF(s Sheet) ([]byte, error) {
	checkin, err := c.PNG(s.CheckInURL, 600, LevelHigh)
	if err != nil {
		return nil, err
	}
	materials, err := c.PNG(s.MaterialsURL, 600, LevelHigh)
	if err != nil {
		return nil, err
	}
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	pdf.SetInfo(gopdf.PdfInfo{Title: s.Point + " — " + s.Conference, Creator: "diemcau"})
	for _, f := range []struct{ name, file string }{
		{"serif", "LiberationSerif-Regular.ttf"},
		{"serif-bold", "LiberationSerif-Bold.ttf"},
		{"serif-italic", "LiberationSerif-Italic.ttf"},
	} {
		b, err := web.Font(f.file)
		if err != nil {
			return nil, fmt.Errorf("bridge: sheet font: %w", err)
		}
		if err := pdf.AddTTFFontData(f.name, b); err != nil {
			return nil, fmt.Errorf("bridge: sheet font %s: %w", f.file, err)
		}
	}
	pdf.AddPage()
	const (
		pageW  = 595.28
		margin = 50.0
		width  = pageW - 2*margin
	)
	y := 60.0
	line := func(font string, size float64, text string, gap float64) error {
		if err := pdf.SetFont(font, "", size); err != nil {
			return err
		}
		lines, err := pdf.SplitTextWithWordWrap(text, width)
		if err != nil {
			return err
		}
		for _, l := range lines {
			pdf.SetXY(margin, y)
			if err := pdf.CellWithOption(&gopdf.Rect{W: width, H: size * 1.3}, l, gopdf.CellOption{Align: gopdf.Center}); err != nil {
				return err
			}
			y += size * 1.3
		}
		y += gap
		return nil
	}
	when := fmt.Sprintf("%s, %s – %s (giờ Việt Nam)", s.StartsAt.In(attendance.VietnamTime).Format("02/01/2006"),
		s.StartsAt.In(attendance.VietnamTime).Format("15:04"), s.EndsAt.In(attendance.VietnamTime).Format("15:04"))
	steps := []struct {
		font string
		size float64
		text string
		gap  float64
	}{
		{"serif-bold", 13, "ĐIỂM CẦU · BRIDGE POINT", 4},
		{"serif-bold", 22, s.Point, 6},
		{"serif", 14, s.Conference, 4},
		{"serif-italic", 12, s.Location, 2},
		{"serif", 12, when, 18},
	}
	for _, st := range steps {
		if st.text == "" {
			continue
		}
		if err := line(st.font, st.size, st.text, st.gap); err != nil {
			return nil, fmt.Errorf("bridge: sheet text: %w", err)
		}
	}
	const qr = 220.0
	left, right := margin+5, pageW-margin-5-qr
	for _, q := range []struct {
		x          float64
		png        []byte
		title, sub string
	}{
		{left, checkin, "QUÉT ĐỂ ĐIỂM DANH", "Scan to check in"},
		{right, materials, "QUÉT ĐỂ XEM TÀI LIỆU", "Scan for the materials"},
	} {
		img, err := gopdf.ImageHolderByBytes(q.png)
		if err != nil {
			return nil, fmt.Errorf("bridge: sheet image: %w", err)
		}
		if err := pdf.ImageByHolder(img, q.x, y, &gopdf.Rect{W: qr, H: qr}); err != nil {
			return nil, fmt.Errorf("bridge: sheet image: %w", err)
		}
		pdf.SetFont("serif-bold", "", 14)
		pdf.SetXY(q.x, y+qr+8)
		pdf.CellWithOption(&gopdf.Rect{W: qr, H: 18}, q.title, gopdf.CellOption{Align: gopdf.Center})
		pdf.SetFont("serif-italic", "", 11)
		pdf.SetXY(q.x, y+qr+27)
		pdf.CellWithOption(&gopdf.Rect{W: qr, H: 14}, q.sub, gopdf.CellOption{Align: gopdf.Center})
	}
	y += qr + 70
	for _, note := range []string{
		"Mã điểm danh in sẵn chỉ có hiệu lực trong thời gian điểm danh của hội nghị và được ghi nhận ở mức tin cậy thấp hơn mã xoay vòng trên màn hình điểm cầu.",
		"The printed check-in code works only during the conference's check-in window and is recorded at lower assurance than the rotating code on the console.",
		"Lần đầu điểm danh, nhập mã đảng viên và mã PIN; các lần sau chỉ cần một chạm.",
	} {
		if err := line("serif", 11, note, 6); err != nil {
			return nil, fmt.Errorf("bridge: sheet note: %w", err)
		}
	}
	var buf bytes.Buffer
	if _, err := pdf.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("bridge: write sheet: %w", err)
	}
	return buf.Bytes(), nil
}
