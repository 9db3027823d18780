package attendance

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/diemcau/diemcau/web"
	"github.com/signintech/gopdf"
	"golang.org/x/text/unicode/norm"
)

// Reports as PDF are laid out as Party documents (Hướng dẫn 36-HD/VPTW): A4 portrait,
// margins of 20 mm top and bottom, 30 mm left, 15 mm right; the issuing body top left
// over a star and the number; "ĐẢNG CỘNG SẢN VIỆT NAM" top right, bold and underlined,
// over the place and date in italics; the title centred in bold; the body; the
// signature block on the right and the recipients on the left; page numbers centred at
// the top from the second page. The face is Liberation Serif, metric-compatible with
// the Times New Roman the guidance asks for, embedded (subset) with Vietnamese.

// DocumentOptions fill the parts of a Party document the record does not hold. Empty
// fields print as dotted blanks to be filled in by hand, or as the defaults named.
type DocumentOptions struct {
	Place       string   // the place in the date line, e.g. "Hoà Bình"
	Number      string   // e.g. "12-BC/ĐUK"; "…-BC/…" when empty
	SignerFor   string   // default "T/M BAN TỔ CHỨC" (a yearly report: "T/M ĐẢNG UỶ" or "T/M CHI BỘ")
	SignerTitle string   // default "TRƯỞNG BAN" (a yearly report: "BÍ THƯ")
	Signer      string   // the signer's name
	Recipients  []string // "Nơi nhận"; a default list when empty
}

const (
	pdfPageW   = 595.28
	pdfPageH   = 841.89
	pdfMM      = 72 / 25.4
	pdfLeft    = 30 * pdfMM
	pdfRight   = 15 * pdfMM
	pdfTop     = 20 * pdfMM
	pdfBottom  = 20 * pdfMM
	pdfWidth   = pdfPageW - pdfLeft - pdfRight
	pdfBodyPt  = 13.0
	pdfTablePt = 9.0
	// pdfTableStart is the height of a heading, a table's header and its first rows:
	// a section that starts lower on a page starts on the next, so its heading is not
	// left alone at the foot of a page.
	pdfTableStart = 120.0

	// MaxPDFRows bounds each table of a PDF report: a printed document of more than
	// some 250 pages helps nobody, and gopdf keeps every page in memory (100,000 rows
	// took 8 s and 1.5 GB). A longer list says so and refers to the CSV or XLSX file,
	// which carry every row.
	MaxPDFRows = 10_000

	fontRegular = "serif"
	fontBold    = "serif-bold"
	fontItalic  = "serif-italic"
)

// pdfRowLimit is MaxPDFRows, variable for tests.
var pdfRowLimit = MaxPDFRows

// pdfDoc lays out text and tables on gopdf pages. Text is normalized to NFC, so a
// name stored decomposed still prints with Vietnamese's precomposed glyphs. The
// first error sticks and is returned by finish.
type pdfDoc struct {
	pdf    *gopdf.GoPdf
	y      float64
	font   string
	size   float64
	widths map[string]map[rune]float64 // per font, at size 1
	err    error
}

func newPDFDoc(title string) (*pdfDoc, error) {
	d := &pdfDoc{pdf: &gopdf.GoPdf{}, widths: map[string]map[rune]float64{}}
	d.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	d.pdf.SetInfo(gopdf.PdfInfo{Title: title, Creator: "diemcau", CreationDate: time.Time{}})
	for _, f := range []struct{ name, file string }{
		{fontRegular, "LiberationSerif-Regular.ttf"},
		{fontBold, "LiberationSerif-Bold.ttf"},
		{fontItalic, "LiberationSerif-Italic.ttf"},
	} {
		b, err := web.Font(f.file)
		if err != nil {
			return nil, fmt.Errorf("report pdf font: %w", err)
		}
		if err := d.pdf.AddTTFFontData(f.name, b); err != nil {
			return nil, fmt.Errorf("report pdf font %s: %w", f.file, err)
		}
	}
	d.newPage()
	return d, nil
}

func (d *pdfDoc) newPage() {
	d.pdf.AddPage()
	d.y = pdfTop
}

func (d *pdfDoc) setFont(font string, size float64) {
	if d.font == font && d.size == size {
		return
	}
	if err := d.pdf.SetFont(font, "", size); err != nil && d.err == nil {
		d.err = err
	}
	d.font, d.size = font, size
}

// width measures s in the current font, from per-rune widths cached at size 1
// (kerning aside, which the layout does not need).
func (d *pdfDoc) width(s string) float64 {
	ws := d.widths[d.font]
	if ws == nil {
		ws = map[rune]float64{}
		d.widths[d.font] = ws
	}
	total := 0.0
	for _, r := range s {
		w, ok := ws[r]
		if !ok {
			m, err := d.pdf.MeasureTextWidth(string(r))
			if err != nil {
				m = 0
			}
			w = m / d.size
			ws[r] = w
		}
		total += w
	}
	return total * d.size
}

// wrap breaks s into lines no wider than w (first no wider than first), at spaces,
// and inside a word only when the word alone is too wide; "\n" breaks a line.
func (d *pdfDoc) wrap(s string, first, w float64) []string {
	s = norm.NFC.String(s)
	var lines []string
	limit := first
	space := d.width(" ")
	for _, para := range strings.Split(s, "\n") {
		var line strings.Builder
		lw := 0.0
		flush := func() {
			lines = append(lines, line.String())
			line.Reset()
			lw, limit = 0, w
		}
		words := strings.Fields(para)
		if len(words) == 0 {
			flush()
			continue
		}
		for _, word := range words {
			ww := d.width(word)
			if line.Len() > 0 && lw+space+ww <= limit {
				line.WriteByte(' ')
				line.WriteString(word)
				lw += space + ww
				continue
			}
			if line.Len() > 0 {
				flush()
			}
			for ww > limit && utf8.RuneCountInString(word) > 1 {
				// Break the word where it stops fitting.
				cut, cw := 0, 0.0
				for i, r := range word {
					rw := d.width(string(r))
					if cw+rw > limit && i > 0 {
						cut = i
						break
					}
					cw += rw
				}
				if cut == 0 {
					break
				}
				line.WriteString(word[:cut])
				flush()
				word = word[cut:]
				ww = d.width(word)
			}
			line.WriteString(word)
			lw = ww
		}
		flush()
	}
	return lines
}

// cell draws one line of text in the box at x of width w whose top is y, aligned
// gopdf.Left, gopdf.Center or gopdf.Right.
func (d *pdfDoc) cell(x, y, w, h float64, text string, align int) {
	if text == "" {
		return
	}
	d.pdf.SetXY(x, y)
	err := d.pdf.CellWithOption(&gopdf.Rect{W: w, H: h}, text, gopdf.CellOption{Align: align | gopdf.Middle})
	if err != nil && d.err == nil {
		d.err = err
	}
}

// lines writes text wrapped to w at x from d.y, aligned, and moves d.y below it.
func (d *pdfDoc) lines(x, w float64, font string, size float64, text string, align int) {
	d.setFont(font, size)
	lh := size * 1.25
	for _, l := range d.wrap(text, w, w) {
		if d.y+lh > pdfPageH-pdfBottom {
			d.newPage()
			d.setFont(font, size)
		}
		d.cell(x, d.y, w, lh, l, align)
		d.y += lh
	}
}

// centered writes text centred across the body width.
func (d *pdfDoc) centered(font string, size float64, text string) {
	d.lines(pdfLeft, pdfWidth, font, size, text, gopdf.Center)
}

// paragraph writes body text justified, its first line indented, as Party documents
// set it.
func (d *pdfDoc) paragraph(font string, text string) {
	const indent = 10 * pdfMM
	d.setFont(font, pdfBodyPt)
	lh := pdfBodyPt * 1.3
	ls := d.wrap(text, pdfWidth-indent, pdfWidth)
	space := d.width(" ")
	for i, l := range ls {
		if d.y+lh > pdfPageH-pdfBottom {
			d.newPage()
			d.setFont(font, pdfBodyPt)
		}
		x, w := pdfLeft, pdfWidth
		if i == 0 {
			x, w = pdfLeft+indent, pdfWidth-indent
		}
		words := strings.Fields(l)
		if i == len(ls)-1 || len(words) < 2 {
			d.cell(x, d.y, w, lh, l, gopdf.Left)
		} else {
			total := 0.0
			for _, wd := range words {
				total += d.width(wd)
			}
			gap := (w - total) / float64(len(words)-1)
			if gap > 4*space {
				gap = space // a nearly empty line is not stretched
			}
			for _, wd := range words {
				ww := d.width(wd)
				d.cell(x, d.y, ww+1, lh, wd, gopdf.Left)
				x += ww + gap
			}
		}
		d.y += lh
	}
	d.y += 3
}

// heading writes a section heading in bold, kept with the next lines.
func (d *pdfDoc) heading(text string) {
	if d.y+4*pdfBodyPt*1.3 > pdfPageH-pdfBottom {
		d.newPage()
	}
	d.y += 2
	d.lines(pdfLeft, pdfWidth, fontBold, pdfBodyPt, text, gopdf.Left)
	d.y += 2
}

// underline draws a line under text of width w centred at cx, at y.
func (d *pdfDoc) underline(cx, y, w float64) {
	d.pdf.SetLineWidth(0.6)
	d.pdf.Line(cx-w/2, y, cx+w/2, y)
}

// partyHeading writes the heading of a Party document: the issuing body (its
// superior, then itself in bold) over a star and the number on the left; the Party's
// name, underlined, over the place and date on the right.
func (d *pdfDoc) partyHeading(superior, issuer string, number string, place string, date time.Time) {
	leftW := pdfWidth * 0.46
	rightX, rightW := pdfLeft+leftW, pdfWidth-leftW
	top := d.y
	if superior != "" {
		d.lines(pdfLeft-8*pdfMM, leftW+8*pdfMM, fontRegular, 13, strings.ToUpper(superior), gopdf.Center)
	}
	d.lines(pdfLeft-8*pdfMM, leftW+8*pdfMM, fontBold, 13, strings.ToUpper(issuer), gopdf.Center)
	d.lines(pdfLeft-8*pdfMM, leftW+8*pdfMM, fontBold, 13, "*", gopdf.Center)
	if number == "" {
		number = "…-BC/…"
	}
	d.lines(pdfLeft-8*pdfMM, leftW+8*pdfMM, fontRegular, 13, "Số: "+number, gopdf.Center)
	leftBottom := d.y

	d.y = top
	party := "ĐẢNG CỘNG SẢN VIỆT NAM"
	d.lines(rightX, rightW, fontBold, 14, party, gopdf.Center)
	d.setFont(fontBold, 14)
	d.underline(rightX+rightW/2, d.y+0.5, d.width(party))
	d.y += 6
	if place == "" {
		place = "……………"
	}
	day := fmt.Sprintf("%s, ngày %02d tháng %02d năm %d", place, date.Day(), int(date.Month()), date.Year())
	// The date line sits level with the number, as in the guidance's sample.
	if d.y < leftBottom-13*1.25 {
		d.y = leftBottom - 13*1.25
	}
	d.lines(rightX, rightW, fontItalic, 13, day, gopdf.Center)
	d.y = math.Max(d.y, leftBottom) + 14
}

// title writes the document's kind and summary, centred, with the short rule under
// them.
func (d *pdfDoc) title(kind string, summary ...string) {
	d.centered(fontBold, 15, kind)
	for _, s := range summary {
		if strings.HasPrefix(s, "(") {
			d.centered(fontItalic, 13, s)
		} else {
			d.centered(fontBold, 14, s)
		}
	}
	d.setFont(fontBold, 14)
	d.y += 2
	d.pdf.SetLineWidth(0.6)
	d.pdf.Line(pdfPageW/2-20, d.y, pdfPageW/2+20, d.y)
	d.y += 14
}

// signatureHeight is the room the signature block takes, which the closing sentence
// keeps with it so the block never stands alone on a page.
const signatureHeight = 150

// keep starts a new page unless h more points fit on this one.
func (d *pdfDoc) keep(h float64) {
	if d.y+h > pdfPageH-pdfBottom {
		d.newPage()
	}
}

// signature writes the recipients on the left and the signature block on the right.
func (d *pdfDoc) signature(opt DocumentOptions, recipients []string) {
	d.keep(signatureHeight)
	d.y += 8
	top := d.y
	leftW := pdfWidth * 0.48
	rightX, rightW := pdfLeft+leftW, pdfWidth-leftW
	if len(opt.Recipients) > 0 {
		recipients = opt.Recipients
	}
	d.setFont(fontBold, 12)
	d.cell(pdfLeft, d.y, leftW, 15, "Nơi nhận:", gopdf.Left)
	d.pdf.SetLineWidth(0.5)
	d.pdf.Line(pdfLeft, d.y+13.5, pdfLeft+d.width("Nơi nhận"), d.y+13.5)
	d.y += 15
	for _, r := range recipients {
		d.lines(pdfLeft, leftW, fontRegular, 11, r, gopdf.Left)
	}
	leftBottom := d.y

	d.y = top
	signerFor, title := opt.SignerFor, opt.SignerTitle
	if signerFor == "" {
		signerFor = "T/M BAN TỔ CHỨC"
	}
	if title == "" {
		title = "TRƯỞNG BAN"
	}
	d.lines(rightX, rightW, fontBold, 13, signerFor, gopdf.Center)
	d.lines(rightX, rightW, fontBold, 13, title, gopdf.Center)
	d.y += 62
	name := opt.Signer
	if name == "" {
		name = "……………………………"
	}
	d.lines(rightX, rightW, fontBold, 13, name, gopdf.Center)
	d.y = math.Max(d.y, leftBottom)
}

// pageNumbers numbers the pages from the second, centred at the top.
func (d *pdfDoc) pageNumbers() {
	n := d.pdf.GetNumberOfPages()
	for p := 2; p <= n; p++ {
		if err := d.pdf.SetPage(p); err != nil {
			d.err = err
			return
		}
		d.font = "" // a page keeps its own font state
		d.setFont(fontRegular, 12)
		d.cell(pdfLeft, 10*pdfMM, pdfWidth, 14, strconv.Itoa(p), gopdf.Center)
	}
}

func (d *pdfDoc) finish(w io.Writer) error {
	d.pageNumbers()
	if d.err != nil {
		return fmt.Errorf("report pdf: %w", d.err)
	}
	if _, err := d.pdf.WriteTo(w); err != nil {
		return fmt.Errorf("report pdf: %w", err)
	}
	return nil
}

// pdfCol is a table column: its header, width and alignment.
type pdfCol struct {
	title string
	w     float64
	align int
}

// pdfTable draws a table row by row, breaking pages between rows and repeating the
// header on each new page.
type pdfTable struct {
	d     *pdfDoc
	cols  []pdfCol
	head  [][]string // wrapped header titles
	headH float64
	lineH float64
	pad   float64
	// pending: the header is drawn with the first row, so that it never ends a page
	// alone.
	pending bool
}

func (d *pdfDoc) table(cols []pdfCol) *pdfTable {
	// The widths are proportions of the body width.
	sum := 0.0
	for _, c := range cols {
		sum += c.w
	}
	cols = slices.Clone(cols)
	for i := range cols {
		cols[i].w *= pdfWidth / sum
	}
	t := &pdfTable{d: d, cols: cols, lineH: pdfTablePt * 1.2, pad: 2.5}
	d.setFont(fontBold, pdfTablePt)
	n := 1
	for _, c := range cols {
		ls := d.wrap(c.title, c.w-2*t.pad, c.w-2*t.pad)
		t.head = append(t.head, ls)
		n = max(n, len(ls))
	}
	t.headH = float64(n)*t.lineH + 2*t.pad
	t.pending = true
	return t
}

func (t *pdfTable) header() {
	d := t.d
	d.setFont(fontBold, pdfTablePt)
	x := pdfLeft
	d.pdf.SetLineWidth(0.5)
	d.pdf.SetFillColor(231, 230, 230)
	for _, c := range t.cols {
		d.pdf.RectFromUpperLeftWithStyle(x, d.y, c.w, t.headH, "FD")
		x += c.w
	}
	// Text is painted with the fill colour.
	d.pdf.SetFillColor(0, 0, 0)
	x = pdfLeft
	for i, c := range t.cols {
		top := d.y + (t.headH-float64(len(t.head[i]))*t.lineH)/2
		for k, l := range t.head[i] {
			d.cell(x+t.pad, top+float64(k)*t.lineH, c.w-2*t.pad, t.lineH, l, gopdf.Center)
		}
		x += c.w
	}
	d.y += t.headH
}

// row draws one row, bold for a totals row. A cell too long for a whole page is cut
// with an ellipsis; the CSV and XLSX files carry the full text.
func (t *pdfTable) row(bold bool, cells ...string) {
	d := t.d
	font := fontRegular
	if bold {
		font = fontBold
	}
	d.setFont(font, pdfTablePt)
	maxLines := int((pdfPageH - pdfTop - pdfBottom - t.headH - 2*t.pad) / t.lineH)
	wrapped := make([][]string, len(t.cols))
	n := 1
	for i, c := range t.cols {
		if i < len(cells) && cells[i] != "" {
			ls := d.wrap(cells[i], c.w-2*t.pad, c.w-2*t.pad)
			if len(ls) > maxLines {
				ls = append(ls[:maxLines-1:maxLines-1], "…")
			}
			wrapped[i] = ls
			n = max(n, len(ls))
		}
	}
	h := float64(n)*t.lineH + 2*t.pad
	switch {
	case t.pending && d.y+t.headH+h > pdfPageH-pdfBottom, !t.pending && d.y+h > pdfPageH-pdfBottom:
		d.newPage()
		t.header()
		d.setFont(font, pdfTablePt)
	case t.pending:
		t.header()
		d.setFont(font, pdfTablePt)
	}
	t.pending = false
	x := pdfLeft
	d.pdf.SetLineWidth(0.5)
	for i, c := range t.cols {
		d.pdf.RectFromUpperLeftWithStyle(x, d.y, c.w, h, "D")
		align := c.align
		if align == 0 {
			align = gopdf.Left
		}
		for k, l := range wrapped[i] {
			d.cell(x+t.pad, d.y+t.pad+float64(k)*t.lineH, c.w-2*t.pad, t.lineH, l, align)
		}
		x += c.w
	}
	d.y += h
}

func (t *pdfTable) end() { t.d.y += 8 }

// truncated notes, under a table cut at MaxPDFRows, that the full list is in the
// other formats.
func (d *pdfDoc) truncated(n int, what string) {
	if n <= pdfRowLimit {
		return
	}
	d.paragraph(fontItalic, fmt.Sprintf("Danh sách có %s %s; bản PDF liệt kê %s %s đầu tiên, danh sách đầy đủ có trong "+
		"tệp XLSX hoặc CSV của báo cáo.", viInt(n), what, viInt(pdfRowLimit), what))
}

// Formatting for documents: Vietnamese thousands (dots) and decimal commas.

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToLower(string(r)) + s[n:]
}

func viInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func viRate(t Tally) string {
	r, ok := t.Rate()
	if !ok {
		return "—"
	}
	return string(appendPercent(nil, r))
}

func viDateTime(t time.Time) string { return t.In(VietnamTime).Format("15:04 02/01/2006") }

func viDate(t time.Time) string { return t.In(VietnamTime).Format("02/01/2006") }

// viSpan says when a conference ran: "từ 08 giờ 00 đến 11 giờ 30 ngày 07/02/2026".
func viSpan(from, to time.Time) string {
	f, t := from.In(VietnamTime), to.In(VietnamTime)
	if viDate(f) == viDate(t) {
		return fmt.Sprintf("từ %s đến %s ngày %s", f.Format("15 giờ 04"), t.Format("15 giờ 04"), viDate(f))
	}
	return fmt.Sprintf("từ %s ngày %s đến %s ngày %s", f.Format("15 giờ 04"), viDate(f), t.Format("15 giờ 04"), viDate(t))
}

// standing is the line under a title that says whether the figures are final.
func standing(final bool) string {
	if final {
		return "(chính thức)"
	}
	return "(tạm thời)"
}

var chairShort = map[ChairStatus]string{
	ChairOK:            "đúng quy định",
	ChairNone:          "chưa có",
	ChairNotAuthorized: "không đúng quy định",
	ChairSecretaryIdle: "bí thư có mặt nhưng không chủ trì",
	ChairLeftEarly:     "về sớm, không chủ trì đến hết",
}

func (r *ConferenceReport) issuer() (superior, issuer string) {
	if r.Host == nil {
		return "", "BAN TỔ CHỨC HỘI NGHỊ"
	}
	if r.HostParent != nil {
		superior = r.HostParent.Name
	}
	return superior, r.Host.Name
}

// documentDate is the date a report is dated: its closing for a final report, so that
// the locked report reads the same whenever it is printed; else the time it was made.
func (r *ConferenceReport) documentDate() time.Time {
	if r.Final && r.Conference.ClosedAt != nil {
		return r.Conference.ClosedAt.In(VietnamTime)
	}
	return r.GeneratedAt.In(VietnamTime)
}

// WriteConferencePDF writes the report as a Party document: the totals in words, the
// table per point, the absentees with the reasons and approvers behind their
// absences, the flags, the signature block and the recipients. A report of a
// conference not yet closed says "(tạm thời)" under its title and when its figures
// were taken; a closed one says "(chính thức)".
func WriteConferencePDF(w io.Writer, r *ConferenceReport, opt DocumentOptions) error {
	c := &r.Conference
	where := ""
	if r.PointID != 0 && len(r.Points) == 1 {
		where = " tại điểm cầu " + r.Points[0].Name
	}
	d, err := newPDFDoc("Báo cáo kết quả theo dõi tham dự hội nghị " + c.Title + where)
	if err != nil {
		return err
	}
	superior, issuer := r.issuer()
	d.partyHeading(superior, issuer, opt.Number, opt.Place, r.documentDate())
	d.title("BÁO CÁO", "Kết quả theo dõi tham dự hội nghị “"+c.Title+"”"+where, standing(r.Final))

	t := &r.Totals
	hostName := "ban tổ chức"
	if r.Host != nil {
		hostName = r.Host.Name
	}
	points := fmt.Sprintf("trực tuyến tới %s điểm cầu", viInt(len(r.Points)))
	if where != "" {
		points = "trực tuyến"
	}
	d.paragraph(fontRegular, fmt.Sprintf("Hội nghị “%s” do %s tổ chức, diễn ra %s, %s. Căn cứ kết quả điểm danh, "+
		"điểm danh giữa giờ, kết nối của các điểm cầu và các đơn xin phép vắng mặt, giải trình, ủy nhiệm dự thay đã được "+
		"xem xét trên hệ thống theo dõi điểm cầu, xin báo cáo kết quả theo dõi tham dự hội nghị%s như sau:",
		c.Title, hostName, viSpan(c.StartsAt, c.EndsAt), points, where))
	if r.Final {
		closed := ""
		if c.ClosedAt != nil {
			closed = " lúc " + viDateTime(*c.ClosedAt)
		}
		d.paragraph(fontItalic, "Hội nghị đã khoá sổ"+closed+"; số liệu trong báo cáo này là chính thức.")
		if h, ok := c.AuditHead(); ok {
			// The log's head at closing, printed so that a copy lives outside the
			// database: "diemcau audit verify --head" proves it is still in the log.
			d.paragraph(fontItalic, "Đầu chuỗi nhật ký khi khoá sổ: "+h.Label()+" (để đối chiếu, phát hiện nhật ký "+
				"bị cắt bớt hoặc viết lại).")
		}
	} else {
		d.paragraph(fontItalic, "Số liệu tính đến "+viDateTime(r.GeneratedAt)+"; hội nghị chưa khoá sổ nên số liệu còn "+
			"có thể thay đổi. Đơn chưa được duyệt khi khoá sổ vẫn ghi là chờ duyệt, không tính là vắng không lý do.")
	}

	d.heading("1. Tình hình tham dự")
	d.paragraph(fontRegular, fmt.Sprintf("Tổng số đại biểu được triệu tập: %s đồng chí, trong đó %s đồng chí miễn sinh "+
		"hoạt (không tính vào tỷ lệ); số phải tham dự: %s đồng chí.", viInt(t.Invited), viInt(t.Exempt), viInt(t.Expected())))
	d.paragraph(fontRegular, fmt.Sprintf("Tham dự: %s đồng chí, đạt %s; trong đó có mặt đúng giờ %s, đến muộn %s, về sớm %s, "+
		"dự thay theo ủy nhiệm %s.", viInt(t.Attended()), viRate(t.Tally), viInt(t.Present), viInt(t.Late),
		viInt(t.LeftEarly), viInt(t.Delegated)))
	d.paragraph(fontRegular, fmt.Sprintf("Vắng mặt: %s đồng chí; trong đó vắng có lý do (có đơn đã được duyệt) %s, "+
		"chờ duyệt %s, vắng không lý do %s.", viInt(t.Absent()), viInt(t.Excused), viInt(t.Pending), viInt(t.Unexcused)))

	d.heading("2. Kết nối của các điểm cầu")
	d.paragraph(fontRegular, fmt.Sprintf("%s/%s điểm cầu đã kết nối, %s điểm cầu không kết nối; %s điểm cầu bị mất kết nối "+
		"trong thời gian hội nghị (%s lần, tổng cộng %s phút). Mất kết nối được thống kê riêng, không tính là vắng mặt "+
		"của đảng viên.", viInt(t.Connected), viInt(t.Points), viInt(t.NeverConnected), viInt(t.WithOutages),
		viInt(t.Outages), viInt(t.DowntimeMinutes)))

	d.heading("3. Chủ trì tại các điểm cầu")
	var notAuth, idle, left int
	for _, p := range r.Points {
		switch p.ChairStatus {
		case ChairNotAuthorized:
			notAuth++
		case ChairSecretaryIdle:
			idle++
		case ChairLeftEarly:
			left++
		}
	}
	d.paragraph(fontRegular, fmt.Sprintf("%s điểm cầu do bí thư (hoặc phó bí thư khi bí thư vắng) chủ trì đúng quy định; "+
		"%s điểm cầu không do bí thư, phó bí thư chủ trì; %s điểm cầu có bí thư có mặt nhưng không chủ trì; %s điểm cầu "+
		"người chủ trì về sớm, không chủ trì đến hết hội nghị; %s điểm cầu không có bí thư, phó bí thư có mặt để chủ trì.",
		viInt(t.ChairOK), viInt(notAuth), viInt(idle), viInt(left), viInt(t.ChairNone)))

	d.keep(pdfTableStart)
	d.heading("4. Tổng hợp theo điểm cầu")
	num := gopdf.Right
	tb := d.table([]pdfCol{{"TT", 22, gopdf.Center}, {"Điểm cầu", 92, 0}, {"Dự kiến", 30, num}, {"Có mặt", 28, num},
		{"Đến muộn", 28, num}, {"Về sớm", 28, num}, {"Dự thay", 28, num}, {"Vắng có lý do", 30, num},
		{"Chờ duyệt", 28, num}, {"Vắng không lý do", 30, num}, {"Tỷ lệ", 34, num}, {"Mất kết nối", 36, gopdf.Center},
		{"Chủ trì", 54, 0}})
	outage := func(connected bool, n int, down time.Duration) string {
		switch {
		case !connected:
			return "không kết nối"
		case n == 0:
			return "—"
		}
		return fmt.Sprintf("%d lần\n%d phút", n, DowntimeMinutes(down))
	}
	for i, p := range r.Points[:min(len(r.Points), pdfRowLimit)] {
		chair := chairShort[p.ChairStatus]
		if p.Chair != nil {
			chair = p.Chair.FullName + " (" + chair + ")"
		}
		tb.row(false, strconv.Itoa(i+1), p.Name, viInt(p.Expected()), viInt(p.Present), viInt(p.Late), viInt(p.LeftEarly),
			viInt(p.Delegated), viInt(p.Excused), viInt(p.Pending), viInt(p.Unexcused), viRate(p.Tally),
			outage(p.Connected, p.Outages, p.Downtime), chair)
	}
	if len(r.Points) > 1 {
		tb.row(true, "", "Tổng cộng", viInt(t.Expected()), viInt(t.Present), viInt(t.Late), viInt(t.LeftEarly),
			viInt(t.Delegated), viInt(t.Excused), viInt(t.Pending), viInt(t.Unexcused), viRate(t.Tally),
			fmt.Sprintf("%d lần\n%d phút", t.Outages, t.DowntimeMinutes), fmt.Sprintf("%d/%d đúng quy định", t.ChairOK, t.Points))
	}
	tb.end()
	d.truncated(len(r.Points), "điểm cầu")

	d.keep(pdfTableStart + 3*pdfBodyPt*1.3)
	d.heading("5. Danh sách vắng mặt")
	if len(r.Absentees) == 0 {
		d.paragraph(fontRegular, "Không có đồng chí nào vắng mặt.")
	} else {
		d.paragraph(fontRegular, "Mỗi trường hợp vắng có lý do đều có đơn (xin phép trước hội nghị, giải trình sau hội nghị "+
			"hoặc ủy nhiệm dự thay) đã được người có thẩm quyền duyệt; trường hợp không có đơn hoặc đơn không được duyệt là "+
			"vắng không lý do; đơn chưa được duyệt ghi là chờ duyệt, không tính là vắng không lý do.")
		tb := d.table([]pdfCol{{"TT", 22, gopdf.Center}, {"Họ và tên", 92, 0}, {"Điểm cầu", 70, 0},
			{"Tình trạng", 50, 0}, {"Lý do", 130, 0}, {"Người duyệt, thời điểm", 104, 0}})
		for i := range r.Absentees[:min(len(r.Absentees), pdfRowLimit)] {
			a := &r.Absentees[i]
			tb.row(false, strconv.Itoa(i+1), a.FullName+"\n"+a.MemberCode, a.PointName, statusLabels[a.Status],
				reasonCell(&a.AbsenceRecord), deciderCell(&a.AbsenceRecord))
		}
		tb.end()
		d.truncated(len(r.Absentees), "trường hợp vắng mặt")
	}

	d.keep(pdfTableStart + 3*pdfBodyPt*1.3)
	d.heading("6. Dự thay theo ủy nhiệm")
	if len(r.Delegates) == 0 {
		d.paragraph(fontRegular, "Không có trường hợp nào dự thay theo ủy nhiệm.")
	} else {
		d.paragraph(fontRegular, "Đồng chí được mời không dự được thì ủy nhiệm cho cấp phó dự thay; người dự thay phải nghiên cứu "+
			"tài liệu (Công văn 307-CV/ĐU). Các trường hợp dự thay đã được người có thẩm quyền đồng ý:")
		tb := d.table([]pdfCol{{"TT", 22, gopdf.Center}, {"Đồng chí được mời", 92, 0}, {"Điểm cầu", 70, 0},
			{"Người dự thay", 100, 0}, {"Người duyệt, thời điểm", 84, 0}, {"Cần lưu ý", 100, 0}})
		for i := range r.Delegates[:min(len(r.Delegates), pdfRowLimit)] {
			g := &r.Delegates[i]
			sub := g.Substitute.FullName + "\n" + g.Substitute.Code
			if l := positionLabels[g.Substitute.Position]; l != "" {
				sub += "\n" + l
			}
			if g.SubstituteOrganization != "" {
				sub += ", " + g.SubstituteOrganization
			}
			sub += "\nĐiểm danh lúc " + viDateTime(g.CheckedInAt)
			var notes []string
			for _, w := range g.Warnings {
				notes = append(notes, warningLabels[w])
			}
			for _, f := range g.Flags {
				notes = append(notes, flagLabels[f])
			}
			if g.Late {
				notes = append(notes, "Đến muộn")
			}
			if g.LeftEarly {
				notes = append(notes, "Về sớm")
			}
			tb.row(false, strconv.Itoa(i+1), g.FullName+"\n"+g.MemberCode, g.PointName, sub, deciderCell(&g.AbsenceRecord),
				strings.Join(notes, ";\n"))
		}
		tb.end()
		d.truncated(len(r.Delegates), "trường hợp dự thay")
	}

	d.heading("7. Các trường hợp cần lưu ý")
	var counts []string
	for _, f := range t.Flags {
		counts = append(counts, fmt.Sprintf("%s: %s", lowerFirst(flagLabels[f.Flag]), viInt(f.N)))
	}
	d.paragraph(fontRegular, "Số lượt cần lưu ý: "+strings.Join(counts, "; ")+". Danh sách đầy đủ có trong tệp Excel kèm theo; "+
		"dưới đây là các trường hợp điểm danh hộ, điểm danh ở điểm cầu khác và dùng chung điện thoại.")
	var listed []*FlagEntry
	for i := range r.Flags {
		switch r.Flags[i].Flag {
		case FlagManual, FlagWrongPoint, FlagSharedDevice:
			listed = append(listed, &r.Flags[i])
		}
	}
	if len(listed) > 0 {
		tb := d.table([]pdfCol{{"TT", 22, gopdf.Center}, {"Họ và tên", 110, 0}, {"Điểm cầu", 100, 0},
			{"Cần lưu ý", 96, 0}, {"Chi tiết", 140, 0}})
		for i, f := range listed[:min(len(listed), pdfRowLimit)] {
			tb.row(false, strconv.Itoa(i+1), f.FullName+"\n"+f.MemberCode, f.PointName, flagLabels[f.Flag], f.Detail)
		}
		tb.end()
		d.truncated(len(listed), "trường hợp")
	}

	d.keep(signatureHeight + 4*pdfBodyPt*1.3)
	d.paragraph(fontRegular, "Trên đây là báo cáo kết quả theo dõi tham dự hội nghị “"+c.Title+"”"+where+"./.")
	d.signature(opt, []string{"- Thường trực cấp uỷ (để báo cáo),", "- Uỷ ban Kiểm tra (để giám sát),", "- Các điểm cầu,",
		"- Lưu Văn phòng."})
	return d.finish(w)
}

// reasonCell says what was filed for an absence: the kind, category, reason,
// substitute and the approver's note.
func reasonCell(a *AbsenceRecord) string {
	if a.Basis == "" {
		return "Không có đơn"
	}
	var b strings.Builder
	b.WriteString(basisLabels[a.Basis])
	if l := categoryLabels[a.Category]; l != "" {
		b.WriteString(" – " + l)
	}
	b.WriteString(": " + a.Reason)
	if a.Substitute != "" {
		b.WriteString("\nNgười dự thay: " + a.Substitute)
	}
	if a.Note != "" {
		b.WriteString("\nGhi chú duyệt: " + a.Note)
	}
	return b.String()
}

// deciderCell says who decided an absence's record, what and when, then each
// overturn by the supervisory committee: what the decision became, when, who and why
// (docs/design.md §14.1). The approver is never credited with the decision the
// committee made.
func deciderCell(a *AbsenceRecord) string {
	switch a.Decision {
	case "":
		return ""
	case DecisionPending:
		return "Chờ duyệt"
	}
	s := decisionLabels[a.decidedAs()]
	if a.DecidedBy != "" {
		s = a.DecidedBy + "\n" + s
	}
	if a.DecidedAt != nil {
		s += " lúc " + viDateTime(*a.DecidedAt)
	}
	for _, o := range a.Overturns {
		s += "\nUỷ ban Kiểm tra đảo ngược thành " + decisionLabels[o.To] + " lúc " + viDateTime(o.At)
		if o.By != "" {
			s += " (" + o.By + ")"
		}
		if o.Reason != "" {
			s += "\nLý do: " + o.Reason
		}
	}
	if a.Overturned && len(a.Overturns) == 0 {
		s += "\nUỷ ban Kiểm tra đã đảo ngược thành " + decisionLabels[a.Decision]
	}
	return s
}

// WriteOrganizationYearPDF writes a yearly organization report as a Party document
// (seed 000): the conferences held, the conferences its members were invited to, a
// line per organization under it, and the statistics table.
func WriteOrganizationYearPDF(w io.Writer, r *OrganizationYearReport, opt DocumentOptions) error {
	org := r.Organization
	year := strconv.Itoa(r.Year)
	d, err := newPDFDoc("Báo cáo tình hình tổ chức, tham dự hội nghị năm " + year + " – " + org.Name)
	if err != nil {
		return err
	}
	superior := ""
	if r.Parent != nil {
		superior = r.Parent.Name
	}
	d.partyHeading(superior, org.Name, opt.Number, opt.Place, r.GeneratedAt.In(VietnamTime))
	d.title("BÁO CÁO", "Tình hình tổ chức, tham dự hội nghị trực tuyến năm "+year, standing(r.Final))
	t := &r.Totals
	d.paragraph(fontRegular, fmt.Sprintf("Năm %s, %s (kể cả các tổ chức trực thuộc) đã tổ chức %s hội nghị, cuộc họp "+
		"trực tuyến; đảng viên được triệu tập tham dự %s hội nghị, cuộc họp với %s lượt đảng viên, tỷ lệ tham dự đạt %s.",
		year, org.Name, viInt(t.Organized), viInt(t.Conferences), viInt(t.Invited), viRate(t.Tally)))
	if !r.Final {
		d.paragraph(fontItalic, "Số liệu tính đến "+viDateTime(r.GeneratedAt)+"; năm chưa kết thúc hoặc còn hội nghị chưa "+
			"khoá sổ nên số liệu còn có thể thay đổi.")
	}

	num := gopdf.Right
	d.heading("1. Việc tổ chức hội nghị")
	if len(r.Organized) == 0 {
		d.paragraph(fontRegular, "Trong năm không tổ chức hội nghị trực tuyến nào trên hệ thống.")
	} else {
		tb := d.table([]pdfCol{{"TT", 22, gopdf.Center}, {"Hội nghị", 150, 0}, {"Ngày", 52, gopdf.Center},
			{"Đơn vị tổ chức", 90, 0}, {"Số điểm cầu", 36, num}, {"Phải dự", 38, num}, {"Tham dự", 38, num},
			{"Tỷ lệ", 44, num}})
		for i, l := range r.Organized {
			tb.row(false, strconv.Itoa(i+1), l.Title, viDate(l.StartsAt), l.HostName, viInt(l.Points), viInt(l.Expected()),
				viInt(l.Attended()), viRate(l.Tally))
		}
		tb.end()
	}
	d.heading("2. Việc tham dự hội nghị")
	d.paragraph(fontRegular, fmt.Sprintf("Đảng viên được triệu tập %s lượt, phải tham dự %s lượt (không kể miễn sinh hoạt); "+
		"đã tham dự %s lượt (trong đó dự thay %s, đến muộn %s, về sớm %s); vắng có lý do %s, chờ duyệt %s, vắng không lý do %s.",
		viInt(t.Invited), viInt(t.Expected()), viInt(t.Attended()), viInt(t.Delegated), viInt(t.Late), viInt(t.LeftEarly),
		viInt(t.Excused), viInt(t.Pending), viInt(t.Unexcused)))
	if len(r.Attended) > 0 {
		tb := d.table([]pdfCol{{"TT", 22, gopdf.Center}, {"Hội nghị", 140, 0}, {"Ngày", 52, gopdf.Center},
			{"Đơn vị tổ chức", 86, 0}, {"Phải dự", 34, num}, {"Tham dự", 34, num}, {"Vắng có lý do", 34, num},
			{"Vắng không lý do", 34, num}, {"Tỷ lệ", 38, num}})
		for i, l := range r.Attended {
			tb.row(false, strconv.Itoa(i+1), l.Title, viDate(l.StartsAt), l.HostName, viInt(l.Expected()), viInt(l.Attended()),
				viInt(l.Excused), viInt(l.Unexcused), viRate(l.Tally))
		}
		tb.end()
	}
	d.heading("3. Tổng hợp theo tổ chức")
	tb := d.table([]pdfCol{{"TT", 22, gopdf.Center}, {"Tổ chức", 146, 0}, {"Hội nghị đã tổ chức", 44, num},
		{"Hội nghị được mời", 44, num}, {"Phải dự", 40, num}, {"Tham dự", 40, num}, {"Vắng có lý do", 40, num},
		{"Vắng không lý do", 40, num}, {"Tỷ lệ", 52, num}})
	for i, u := range r.Units {
		tb.row(false, strconv.Itoa(i+1), u.Name, viInt(u.Organized), viInt(u.Conferences), viInt(u.Expected()),
			viInt(u.Attended()), viInt(u.Excused), viInt(u.Unexcused), viRate(u.Tally))
	}
	tb.row(true, "", "Tổng cộng", viInt(t.Organized), viInt(t.Conferences), viInt(t.Expected()), viInt(t.Attended()),
		viInt(t.Excused), viInt(t.Unexcused), viRate(t.Tally))
	tb.end()

	d.heading("4. Thống kê")
	tb = d.table([]pdfCol{{"Nội dung", 300, 0}, {"Năm " + year, 80, num}, {"Tỷ lệ", 88, num}})
	for _, l := range yearStats(r) {
		rate := ""
		if l.rated {
			rate = viRate(l.tally)
		}
		tb.row(false, l.label, viInt(l.n), rate)
	}
	tb.end()

	// An organization's own report is signed for its committee by its secretary.
	if opt.SignerFor == "" {
		opt.SignerFor = "T/M ĐẢNG UỶ"
		if org.Kind == KindChiBo {
			opt.SignerFor = "T/M CHI BỘ"
		}
	}
	if opt.SignerTitle == "" {
		opt.SignerTitle = "BÍ THƯ"
	}
	d.keep(signatureHeight + 3*pdfBodyPt*1.3)
	d.paragraph(fontRegular, "Trên đây là báo cáo tình hình tổ chức, tham dự hội nghị trực tuyến năm "+year+" của "+org.Name+"./.")
	d.signature(opt, []string{"- Cấp uỷ cấp trên (để báo cáo),", "- Uỷ ban Kiểm tra,", "- Lưu Văn phòng."})
	return d.finish(w)
}
