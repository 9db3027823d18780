package attendance

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxBook writes a workbook sheet by sheet through excelize's stream writer, which
// keeps a large sheet in a temporary file rather than in memory. Every sheet has a
// bold header row that stays in view (frozen) and set column widths.
type xlsxBook struct {
	f                       *excelize.File
	header, total, totalPct int // styles
	pct, date, wrap         int
	sheets                  int
}

// xlsxCol is a column: its header and width in characters.
type xlsxCol struct {
	title string
	width float64
}

func newXLSXBook() (*xlsxBook, error) {
	b := &xlsxBook{f: excelize.NewFile()}
	// The default compression took a quarter of the time of a large workbook; the
	// fastest level makes files about a fifth larger.
	b.f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	font := func(bold bool) *excelize.Font { return &excelize.Font{Bold: bold, Family: "Times New Roman", Size: 12} }
	styles := []struct {
		dst *int
		s   excelize.Style
	}{
		{&b.header, excelize.Style{Font: font(true), Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
			Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
			Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}}},
		{&b.total, excelize.Style{Font: font(true), Border: []excelize.Border{{Type: "top", Color: "000000", Style: 1}}}},
		{&b.totalPct, excelize.Style{Font: font(true), NumFmt: 10, Border: []excelize.Border{{Type: "top", Color: "000000", Style: 1}}}},
		{&b.pct, excelize.Style{Font: font(false), NumFmt: 10}}, // 0.00%
		{&b.date, excelize.Style{Font: font(false), CustomNumFmt: ptrTo("dd/mm/yyyy hh:mm")}},
		{&b.wrap, excelize.Style{Font: font(false), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
	}
	for _, st := range styles {
		id, err := b.f.NewStyle(&st.s)
		if err != nil {
			b.f.Close()
			return nil, fmt.Errorf("report xlsx style: %w", err)
		}
		*st.dst = id
	}
	return b, nil
}

func ptrTo[T any](v T) *T { return &v }

// sheet adds a sheet with cols and the rows fill writes through add.
func (b *xlsxBook) sheet(name string, cols []xlsxCol, fill func(add func(style int, vals ...any) error) error) error {
	if b.sheets == 0 {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return err
	}
	b.sheets++
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	err = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}})
	if err != nil {
		return err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = c.title
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: b.header, Height: 32}); err != nil {
		return err
	}
	row := 1
	add := func(style int, vals ...any) error {
		row++
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		if style != 0 {
			return sw.SetRow(cell, vals, excelize.RowOpts{StyleID: style})
		}
		return sw.SetRow(cell, vals)
	}
	if err := fill(add); err != nil {
		return err
	}
	return sw.Flush()
}

// xlsxTime is a date cell showing t in Vietnam time; empty for nil or zero.
func (b *xlsxBook) time(t *time.Time) any {
	if t == nil || t.IsZero() {
		return ""
	}
	// Excel dates have no zone: store the wall clock of Vietnam, as days since Excel's
	// epoch (30 December 1899, counting its 29 February 1900).
	v := t.In(VietnamTime)
	wall := time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), 0, time.UTC)
	days := float64(wall.Sub(excelEpoch)/time.Second) / 86400
	return excelize.Cell{StyleID: b.date, Value: days}
}

var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// rate is a percentage cell, empty when there is no rate.
func (b *xlsxBook) rate(t Tally, style int) any {
	r, ok := t.Rate()
	if !ok {
		return ""
	}
	return excelize.Cell{StyleID: style, Value: r}
}

// tally appends the columns of tallyHeader to vals.
func (b *xlsxBook) tally(vals []any, t Tally, pctStyle int) []any {
	return append(vals, t.Invited, t.Exempt, t.Expected(), t.Present, t.Late, t.LeftEarly, t.Delegated, t.Attended(),
		t.Excused, t.Pending, t.Unexcused, b.rate(t, pctStyle))
}

func (b *xlsxBook) text(s string) any { return excelize.Cell{StyleID: b.wrap, Value: s} }

// fail drops the workbook after err.
func (b *xlsxBook) fail(err error) error {
	b.f.Close()
	return fmt.Errorf("report xlsx: %w", err)
}

func (b *xlsxBook) write(w io.Writer) error {
	defer b.f.Close()
	b.f.SetActiveSheet(0)
	if _, err := b.f.WriteTo(w); err != nil {
		return fmt.Errorf("report xlsx: %w", err)
	}
	return nil
}

func tallyCols() []xlsxCol {
	cols := make([]xlsxCol, len(tallyHeader))
	for i, h := range tallyHeader {
		cols[i] = xlsxCol{h, 11}
	}
	return cols
}

// The sheets of a conference workbook.
const (
	SheetSummary   = "Tổng hợp"
	SheetAbsentees = "Danh sách vắng"
	SheetDelegates = "Dự thay"
	SheetFlags     = "Cờ"
	SheetInfo      = "Thông tin"
)

// WriteConferenceXLSX writes the report as a workbook of five sheets: SheetSummary
// (a line per point, the totals last), SheetAbsentees (with the records behind the
// absences), SheetDelegates (the substitutes who answered invitations), SheetFlags (a
// line per flag) and SheetInfo (the conference and whether the report is final).
func WriteConferenceXLSX(w io.Writer, r *ConferenceReport) error {
	b, err := newXLSXBook()
	if err != nil {
		return err
	}
	cols := append([]xlsxCol{{"STT", 6}, {"Điểm cầu", 32}, {"Địa điểm", 24}}, tallyCols()...)
	cols = append(cols, xlsxCol{"Kết nối", 9}, xlsxCol{"Mất kết nối (lần)", 11}, xlsxCol{"Mất kết nối (phút)", 11},
		xlsxCol{"Chủ trì", 26}, xlsxCol{"Chức vụ người chủ trì", 14}, xlsxCol{"Quy định chủ trì", 30},
		xlsxCol{"Số người cần lưu ý", 11})
	err = b.sheet(SheetSummary, cols, func(add func(int, ...any) error) error {
		for i := range r.Points {
			p := &r.Points[i]
			vals := b.tally([]any{i + 1, b.text(p.Name), b.text(p.Location)}, p.Tally, b.pct)
			chair, pos := "", ""
			if p.Chair != nil {
				chair, pos = p.Chair.FullName, positionLabels[p.Chair.Position]
			}
			vals = append(vals, yesNo(p.Connected), p.Outages, DowntimeMinutes(p.Downtime), b.text(chair), pos,
				chairLabels[p.ChairStatus], p.Flagged)
			if err := add(0, vals...); err != nil {
				return err
			}
		}
		t := &r.Totals
		vals := b.tally([]any{"", "Tổng cộng", ""}, t.Tally, b.totalPct)
		vals = append(vals, strconv.Itoa(t.Connected)+"/"+strconv.Itoa(t.Points), t.Outages, t.DowntimeMinutes, "", "",
			strconv.Itoa(t.ChairOK)+"/"+strconv.Itoa(t.Points)+" "+chairLabels[ChairOK], t.Flagged)
		return add(b.total, vals...)
	})
	if err != nil {
		return b.fail(err)
	}

	widths := []float64{6, 14, 26, 12, 26, 26, 16, 14, 16, 14, 40, 24, 13, 24, 16, 30, 10, 24, 16, 30, 13}
	cols = make([]xlsxCol, len(absenteesHeader))
	for i, h := range absenteesHeader {
		cols[i] = xlsxCol{h, widths[i]}
	}
	err = b.sheet(SheetAbsentees, cols, func(add func(int, ...any) error) error {
		for i := range r.Absentees {
			a := &r.Absentees[i]
			vals := []any{i + 1, a.MemberCode, a.FullName, positionLabels[a.Position], a.OrganizationName, a.PointName,
				statusLabels[a.Status]}
			if err := add(0, b.record(vals, &a.AbsenceRecord)...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return b.fail(err)
	}

	widths = []float64{6, 14, 26, 12, 26, 26, 14, 26, 14, 26, 16, 40, 26, 30, 24, 16}
	cols = make([]xlsxCol, len(delegatesHeader))
	for i, h := range delegatesHeader {
		cols[i] = xlsxCol{h, widths[i]}
	}
	err = b.sheet(SheetDelegates, cols, func(add func(int, ...any) error) error {
		for i := range r.Delegates {
			d := &r.Delegates[i]
			err := add(0, i+1, d.MemberCode, d.FullName, positionLabels[d.Position], d.OrganizationName, d.PointName,
				d.Substitute.Code, d.Substitute.FullName, positionLabels[d.Substitute.Position], d.SubstituteOrganization,
				b.time(&d.CheckedInAt), b.text(warningList(d.Warnings)), flagList(d.Flags), b.text(d.Reason), d.DecidedBy,
				b.time(d.DecidedAt))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return b.fail(err)
	}

	widths = []float64{6, 14, 26, 26, 16, 26, 40}
	cols = make([]xlsxCol, len(flagsHeader))
	for i, h := range flagsHeader {
		cols[i] = xlsxCol{h, widths[i]}
	}
	err = b.sheet(SheetFlags, cols, func(add func(int, ...any) error) error {
		for i := range r.Flags {
			f := &r.Flags[i]
			err := add(0, i+1, f.MemberCode, f.FullName, f.PointName, statusLabels[f.Status], flagLabels[f.Flag], f.Detail)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return b.fail(err)
	}

	err = b.sheet(SheetInfo, []xlsxCol{{"Mục", 28}, {"Nội dung", 70}}, func(add func(int, ...any) error) error {
		c := &r.Conference
		host := ""
		if r.Host != nil {
			host = r.Host.Name
		}
		standing := "Tạm thời: hội nghị chưa khoá sổ, số liệu có thể còn thay đổi"
		if r.Final {
			standing = "Chính thức: hội nghị đã khoá sổ"
		}
		rows := [][]any{
			{"Hội nghị", b.text(c.Title)},
			{"Đơn vị tổ chức", b.text(host)},
			{"Bắt đầu", b.time(&c.StartsAt)},
			{"Kết thúc", b.time(&c.EndsAt)},
			{"Số điểm cầu", r.Totals.Points},
			{"Báo cáo", standing},
			{"Lập lúc", b.time(&r.GeneratedAt)},
		}
		if c.ClosedAt != nil {
			rows = append(rows, []any{"Khoá sổ lúc", b.time(c.ClosedAt)})
		}
		if h, ok := c.AuditHead(); ok && r.Final {
			rows = append(rows, []any{"Đầu chuỗi nhật ký khi khoá sổ", h.Label()})
		}
		if r.PointID != 0 && len(r.Points) == 1 {
			rows = append(rows, []any{"Điểm cầu", b.text(r.Points[0].Name)})
		}
		for _, row := range rows {
			if err := add(0, row...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return b.fail(err)
	}
	return b.write(w)
}

// record appends the columns of an absence record (recordHeader).
func (b *xlsxBook) record(vals []any, a *AbsenceRecord) []any {
	filed := any("")
	if a.Basis != "" {
		filed = b.time(&a.FiledAt)
	}
	o := a.overturnColumns()
	at := any(o.at)
	if len(a.Overturns) == 1 {
		at = b.time(&a.Overturns[0].At)
	}
	return append(vals, basisLabels[a.Basis], filed, categoryLabels[a.Category], b.text(a.Reason), a.Substitute,
		decisionLabels[a.decidedAs()], a.DecidedBy, b.time(a.DecidedAt), b.text(a.Note), o.overturned, b.text(o.by), at,
		b.text(o.reason), o.after)
}

// The sheets of a yearly organization workbook.
const (
	SheetUnits     = "Theo tổ chức"
	SheetOrganized = "Hội nghị đã tổ chức"
	SheetAttended  = "Hội nghị được mời"
	SheetStats     = "Thống kê"
)

// WriteOrganizationYearXLSX writes a yearly organization report as a workbook:
// SheetStats (seed 000's statistics: conferences held, invited to, and attendance by
// position), SheetUnits, SheetOrganized and SheetAttended.
func WriteOrganizationYearXLSX(w io.Writer, r *OrganizationYearReport) error {
	b, err := newXLSXBook()
	if err != nil {
		return err
	}
	year := "Năm " + strconv.Itoa(r.Year)
	err = b.sheet(SheetStats, []xlsxCol{{"Nội dung", 60}, {year, 14}, {"Tỷ lệ tham dự", 14}}, func(add func(int, ...any) error) error {
		for _, l := range yearStats(r) {
			rate := any("")
			if l.rated {
				rate = b.rate(l.tally, b.pct)
			}
			if err := add(0, b.text(l.label), l.n, rate); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return b.fail(err)
	}
	cols := append([]xlsxCol{{"STT", 6}, {"Tổ chức", 36}, {"Loại", 10}, {"Hội nghị đã tổ chức", 12}, {"Hội nghị được mời", 12}}, tallyCols()...)
	err = b.sheet(SheetUnits, cols, func(add func(int, ...any) error) error {
		for i := range r.Units {
			u := &r.Units[i]
			if err := add(0, b.tally([]any{i + 1, b.text(u.Name), kindLabels[u.Kind], u.Organized, u.Conferences}, u.Tally, b.pct)...); err != nil {
				return err
			}
		}
		return add(b.total, b.tally([]any{"", "Tổng cộng", "", r.Totals.Organized, r.Totals.Conferences}, r.Totals.Tally, b.totalPct)...)
	})
	if err != nil {
		return b.fail(err)
	}
	cols = append([]xlsxCol{{"STT", 6}, {"Hội nghị", 44}, {"Thời gian", 16}, {"Đơn vị tổ chức", 30}, {"Số điểm cầu", 10}, {"Đã khoá sổ", 10}}, tallyCols()...)
	err = b.sheet(SheetOrganized, cols, func(add func(int, ...any) error) error {
		for i := range r.Organized {
			l := &r.Organized[i]
			vals := b.tally([]any{i + 1, b.text(l.Title), b.time(&l.StartsAt), b.text(l.HostName), l.Points, yesNo(l.Final)}, l.Tally, b.pct)
			if err := add(0, vals...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return b.fail(err)
	}
	cols = append([]xlsxCol{{"STT", 6}, {"Hội nghị", 44}, {"Thời gian", 16}, {"Đơn vị tổ chức", 30}, {"Đã khoá sổ", 10}}, tallyCols()...)
	err = b.sheet(SheetAttended, cols, func(add func(int, ...any) error) error {
		for i := range r.Attended {
			l := &r.Attended[i]
			vals := b.tally([]any{i + 1, b.text(l.Title), b.time(&l.StartsAt), b.text(l.HostName), yesNo(l.Final)}, l.Tally, b.pct)
			if err := add(0, vals...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return b.fail(err)
	}
	return b.write(w)
}

// yearStat is one line of a yearly report's statistics table.
type yearStat struct {
	label string
	n     int
	tally Tally
	rated bool
}

// yearStats lays out seed 000's statistics for one year: conferences held, then
// conferences invited to with attendance, in total and by position.
func yearStats(r *OrganizationYearReport) []yearStat {
	t := r.Totals
	out := []yearStat{
		{label: "Tổng số hội nghị, cuộc họp do tổ chức (kể cả các tổ chức trực thuộc) tổ chức", n: t.Organized},
		{label: "Tổng số hội nghị, cuộc họp được mời tham dự", n: t.Conferences},
		{label: "Lượt đảng viên được triệu tập", n: t.Invited},
		{label: "- Miễn sinh hoạt (không tính tỷ lệ)", n: t.Exempt},
		{label: "- Phải tham dự", n: t.Expected()},
		{label: "- Đã tham dự (kể cả dự thay)", n: t.Attended(), tally: t.Tally, rated: true},
	}
	for _, p := range t.ByPosition {
		out = append(out, yearStat{label: "+ " + positionLabels[p.Position] + " tham dự", n: p.Attended(),
			tally: p.Tally, rated: true})
	}
	out = append(out,
		yearStat{label: "+ Dự thay (ủy nhiệm)", n: t.Delegated},
		yearStat{label: "+ Đến muộn", n: t.Late},
		yearStat{label: "+ Về sớm", n: t.LeftEarly},
		yearStat{label: "- Vắng có lý do", n: t.Excused},
		yearStat{label: "- Chờ duyệt", n: t.Pending},
		yearStat{label: "- Vắng không lý do", n: t.Unexcused},
	)
	return out
}
