package attendance

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
)

// The CSV files reports are exported as open in Excel as they are: UTF-8 with a byte
// order mark (without it Excel reads the Vietnamese as Windows-1252), CRLF line ends,
// commas, a header row in Vietnamese. Rows are written as the report is walked,
// through one reused buffer, so writing takes the same memory for ten rows or a
// hundred thousand.

// Labels of the codes reports print, in Vietnamese.
var (
	statusLabels = map[Status]string{
		StatusPresent:   "Có mặt",
		StatusLate:      "Đến muộn",
		StatusLeftEarly: "Về sớm",
		StatusDelegated: "Dự thay",
		StatusExcused:   "Vắng có lý do",
		StatusPending:   "Chờ duyệt",
		StatusUnexcused: "Vắng không lý do",
		StatusExempt:    "Miễn sinh hoạt",
	}
	flagLabels = map[Flag]string{
		FlagWrongPoint:   "Điểm danh ở điểm cầu khác",
		FlagManual:       "Điểm danh hộ",
		FlagSharedDevice: "Dùng chung điện thoại",
		FlagStaticQR:     "Mã QR in sẵn",
		FlagNoMaterials:  "Chưa mở tài liệu",
	}
	chairLabels = map[ChairStatus]string{
		ChairOK:            "Đúng quy định",
		ChairNone:          "Chưa có người chủ trì",
		ChairNotAuthorized: "Không phải bí thư/phó bí thư",
		ChairSecretaryIdle: "Bí thư có mặt nhưng không chủ trì",
		ChairLeftEarly:     "Người chủ trì về sớm, không chủ trì đến hết",
	}
	categoryLabels = map[AbsenceCategory]string{
		CategoryCongTac:     "Đi công tác",
		CategoryOmDau:       "Ốm đau",
		CategoryViecGiaDinh: "Việc gia đình",
		CategoryBatKhaKhang: "Bất khả kháng",
		CategoryKhac:        "Khác",
	}
	decisionLabels = map[DecisionStatus]string{
		DecisionPending:   "Chờ duyệt",
		DecisionApproved:  "Đã duyệt",
		DecisionRejected:  "Không duyệt",
		DecisionWithdrawn: "Đã rút",
	}
	basisLabels = map[Basis]string{
		BasisRequest:     "Xin phép",
		BasisExplanation: "Giải trình",
		BasisDelegation:  "Ủy nhiệm dự thay",
	}
	positionLabels = map[Position]string{
		PositionSecretary: "Bí thư",
		PositionDeputy:    "Phó bí thư",
		PositionMember:    "Đảng viên",
	}
	kindLabels = map[OrgKind]string{KindDangBo: "Đảng bộ", KindChiBo: "Chi bộ"}
)

// tallyHeader names the columns of a Tally, in the order csvWriter.tally writes them.
var tallyHeader = []string{"Được mời", "Miễn sinh hoạt", "Dự kiến", "Có mặt", "Đến muộn", "Về sớm", "Dự thay",
	"Tham dự", "Vắng có lý do", "Chờ duyệt", "Vắng không lý do", "Tỷ lệ"}

// DowntimeMinutes is a downtime in whole minutes, rounded up, so that a short outage
// does not read as none.
func DowntimeMinutes(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Minute - 1) / time.Minute)
}

// csvWriter writes CSV rows through one reused buffer. The first write error sticks
// and is returned by flush.
type csvWriter struct {
	w   *bufio.Writer
	row []byte
	n   int // fields in the row so far
	err error
}

func newCSVWriter(w io.Writer) *csvWriter {
	c := &csvWriter{w: bufio.NewWriterSize(w, 64<<10), row: make([]byte, 0, 4096)}
	_, c.err = c.w.WriteString("\ufeff")
	return c
}

func (c *csvWriter) sep() {
	if c.n > 0 {
		c.row = append(c.row, ',')
	}
	c.n++
}

// str writes a field of our own making (a label, a code, a number).
func (c *csvWriter) str(s string) {
	c.sep()
	c.row = appendCSVField(c.row, s, false)
}

// text writes a field people typed: a name, a reason, a note. A leading =, +, -, @
// would make a spreadsheet run the cell as a formula, so such a field gets a leading
// apostrophe, which spreadsheets hide (OWASP "CSV injection").
func (c *csvWriter) text(s string) {
	c.sep()
	c.row = appendCSVField(c.row, s, true)
}

func (c *csvWriter) int(n int) {
	c.sep()
	c.row = strconv.AppendInt(c.row, int64(n), 10)
}

// time writes t as dd/mm/yyyy hh:mm in Vietnam time; nil or zero writes nothing.
func (c *csvWriter) time(t *time.Time) {
	c.sep()
	if t != nil && !t.IsZero() {
		c.row = t.In(VietnamTime).AppendFormat(c.row, "02/01/2006 15:04")
	}
}

// rate writes a rate as a Vietnamese percentage with one decimal ("87,5%"), which
// Excel in Vietnamese reads as a number; nothing when there is no rate.
func (c *csvWriter) rate(t Tally) {
	c.sep()
	if r, ok := t.Rate(); ok {
		c.row = append(c.row, '"') // the decimal comma
		c.row = appendPercent(c.row, r)
		c.row = append(c.row, '"')
	}
}

// tally writes the columns of tallyHeader.
func (c *csvWriter) tally(t Tally) {
	for _, n := range []int{t.Invited, t.Exempt, t.Expected(), t.Present, t.Late, t.LeftEarly, t.Delegated,
		t.Attended(), t.Excused, t.Pending, t.Unexcused} {
		c.int(n)
	}
	c.rate(t)
}

// invitee writes the columns that name an invitee: code, name, position,
// organization and point.
func (c *csvWriter) invitee(code, name string, pos Position, org, point string) {
	c.text(code)
	c.text(name)
	c.str(positionLabels[pos])
	c.text(org)
	c.text(point)
}

func (c *csvWriter) header(cols ...string) {
	for _, h := range cols {
		c.str(h)
	}
	c.end()
}

// end finishes the row.
func (c *csvWriter) end() {
	c.row = append(c.row, '\r', '\n')
	if c.err == nil {
		_, c.err = c.w.Write(c.row)
	}
	c.row, c.n = c.row[:0], 0
}

func (c *csvWriter) flush() error {
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

// appendCSVField appends s as one RFC 4180 field, quoted when it holds a comma, a
// quote, a line break or surrounding space.
func appendCSVField(b []byte, s string, guard bool) []byte {
	if s == "" {
		return b
	}
	quote := strings.ContainsAny(s, ",\"\r\n") || s[0] == ' ' || s[len(s)-1] == ' '
	if quote {
		b = append(b, '"')
	}
	if guard && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		b = append(b, '\'')
	}
	if !quote {
		return append(b, s...)
	}
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// appendPercent appends r (0 to 1) as a percentage with one decimal and a decimal
// comma.
func appendPercent(b []byte, r float64) []byte {
	tenths := int64(r*1000 + 0.5)
	b = strconv.AppendInt(b, tenths/10, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, tenths%10, 10)
	return append(b, '%')
}

func yesNo(v bool) string {
	if v {
		return "Có"
	}
	return "Không"
}

// pointsHeader is the header of the point summary.
var pointsHeader = append(append([]string{"STT", "Điểm cầu", "Địa điểm"}, tallyHeader...),
	"Kết nối", "Mất kết nối (lần)", "Mất kết nối (phút)", "Chủ trì", "Chức vụ người chủ trì", "Quy định chủ trì",
	"Số người cần lưu ý")

// WritePointsCSV writes the report's summary per point, and a last row of totals.
func WritePointsCSV(w io.Writer, r *ConferenceReport) error {
	c := newCSVWriter(w)
	c.header(pointsHeader...)
	for i := range r.Points {
		p := &r.Points[i]
		c.int(i + 1)
		c.text(p.Name)
		c.text(p.Location)
		c.tally(p.Tally)
		c.str(yesNo(p.Connected))
		c.int(p.Outages)
		c.int(DowntimeMinutes(p.Downtime))
		if p.Chair != nil {
			c.text(p.Chair.FullName)
			c.str(positionLabels[p.Chair.Position])
		} else {
			c.str("")
			c.str("")
		}
		c.str(chairLabels[p.ChairStatus])
		c.int(p.Flagged)
		c.end()
	}
	t := &r.Totals
	c.str("")
	c.str("Tổng cộng")
	c.str("")
	c.tally(t.Tally)
	c.str(strconv.Itoa(t.Connected) + "/" + strconv.Itoa(t.Points))
	c.int(t.Outages)
	c.int(t.DowntimeMinutes)
	c.str("")
	c.str("")
	c.str(strconv.Itoa(t.ChairOK) + "/" + strconv.Itoa(t.Points) + " " + chairLabels[ChairOK])
	c.int(t.Flagged)
	c.end()
	return c.flush()
}

// absenteesHeader is the header of the absentee list.
var absenteesHeader = append([]string{"STT", "Mã đảng viên", "Họ và tên", "Chức vụ", "Tổ chức đảng", "Điểm cầu",
	"Tình trạng"}, recordHeader...)

// recordHeader names the columns of an absence record, in the order csvWriter.record
// writes them: what the approver decided ("Kết quả duyệt", by "Người duyệt" at "Thời
// điểm duyệt"), then the supervisory committee's overturns and what the decision
// became ("Kết quả sau giám sát").
var recordHeader = []string{"Hình thức", "Thời điểm gửi", "Loại lý do", "Lý do", "Người dự thay", "Kết quả duyệt",
	"Người duyệt", "Thời điểm duyệt", "Ghi chú duyệt", "Giám sát đảo ngược", "Người đảo ngược", "Thời điểm đảo ngược",
	"Lý do đảo ngược", "Kết quả sau giám sát"}

// WriteAbsenteesCSV writes the report's absentees, each with the record behind the
// absence: the request, its category and reason, who decided it, when, and the note.
func WriteAbsenteesCSV(w io.Writer, r *ConferenceReport) error {
	c := newCSVWriter(w)
	c.header(absenteesHeader...)
	for i := range r.Absentees {
		a := &r.Absentees[i]
		c.int(i + 1)
		c.invitee(a.MemberCode, a.FullName, a.Position, a.OrganizationName, a.PointName)
		c.str(statusLabels[a.Status])
		c.record(&a.AbsenceRecord)
		c.end()
	}
	return c.flush()
}

// record writes the columns of recordHeader.
func (c *csvWriter) record(a *AbsenceRecord) {
	c.str(basisLabels[a.Basis])
	if a.Basis != "" {
		c.time(&a.FiledAt)
	} else {
		c.str("")
	}
	c.str(categoryLabels[a.Category])
	c.text(a.Reason)
	c.text(a.Substitute)
	c.str(decisionLabels[a.decidedAs()])
	c.text(a.DecidedBy)
	c.time(a.DecidedAt)
	c.text(a.Note)
	o := a.overturnColumns()
	c.str(o.overturned)
	c.text(o.by)
	c.str(o.at)
	c.text(o.reason)
	c.str(o.after)
}

// decidedAs is what the approver decided, for a record built without it.
func (a *AbsenceRecord) decidedAs() DecisionStatus {
	if a.DecidedAs != "" {
		return a.DecidedAs
	}
	return a.Decision
}

// overturnCols are the supervision columns of an absence record: several overturns
// are listed one a line.
type overturnCols struct{ overturned, by, at, reason, after string }

func (a *AbsenceRecord) overturnColumns() overturnCols {
	if !a.Overturned && len(a.Overturns) == 0 {
		return overturnCols{}
	}
	o := overturnCols{overturned: "Có", after: decisionLabels[a.Decision]}
	var by, at, reason []string
	for _, v := range a.Overturns {
		by = append(by, v.By)
		at = append(at, v.At.In(VietnamTime).Format("02/01/2006 15:04"))
		reason = append(reason, v.Reason)
	}
	o.by, o.at, o.reason = strings.Join(by, "\n"), strings.Join(at, "\n"), strings.Join(reason, "\n")
	return o
}

// delegatesHeader is the header of the list of substitutes.
var delegatesHeader = []string{"STT", "Mã đảng viên", "Họ và tên", "Chức vụ", "Tổ chức đảng", "Điểm cầu",
	"Mã người dự thay", "Người dự thay", "Chức vụ người dự thay", "Tổ chức đảng của người dự thay", "Điểm danh lúc",
	"Cần cân nhắc", "Cần lưu ý", "Lý do ủy nhiệm", "Người duyệt", "Thời điểm duyệt"}

// WriteDelegatesCSV writes the report's invitations answered by a substitute, each
// with the substitute, the approver and what the approver was warned of.
func WriteDelegatesCSV(w io.Writer, r *ConferenceReport) error {
	c := newCSVWriter(w)
	c.header(delegatesHeader...)
	for i := range r.Delegates {
		d := &r.Delegates[i]
		c.int(i + 1)
		c.invitee(d.MemberCode, d.FullName, d.Position, d.OrganizationName, d.PointName)
		c.text(d.Substitute.Code)
		c.text(d.Substitute.FullName)
		c.str(positionLabels[d.Substitute.Position])
		c.text(d.SubstituteOrganization)
		c.time(&d.CheckedInAt)
		c.str(warningList(d.Warnings))
		c.str(flagList(d.Flags))
		c.text(d.Reason)
		c.text(d.DecidedBy)
		c.time(d.DecidedAt)
		c.end()
	}
	return c.flush()
}

// warningLabels say what an approver was warned of about a substitute.
var warningLabels = map[DelegationWarning]string{
	WarnOtherOrganization: "Người dự thay không thuộc tổ chức đảng của người được mời",
	WarnNotDeputy:         "Người dự thay không phải cấp phó (phó bí thư) hay bí thư",
}

func warningList(ws []DelegationWarning) string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = warningLabels[w]
	}
	return strings.Join(out, "; ")
}

// flagsHeader is the header of the flag list.
var flagsHeader = []string{"STT", "Mã đảng viên", "Họ và tên", "Điểm cầu", "Kết quả", "Cần lưu ý", "Chi tiết"}

// WriteFlagsCSV writes the report's flags, one row per flag.
func WriteFlagsCSV(w io.Writer, r *ConferenceReport) error {
	c := newCSVWriter(w)
	c.header(flagsHeader...)
	for i := range r.Flags {
		f := &r.Flags[i]
		c.int(i + 1)
		c.text(f.MemberCode)
		c.text(f.FullName)
		c.text(f.PointName)
		c.str(statusLabels[f.Status])
		c.str(flagLabels[f.Flag])
		c.text(f.Detail)
		c.end()
	}
	return c.flush()
}

// memberHeader is the header of a member's report.
var memberHeader = append([]string{"STT", "Hội nghị", "Thời gian", "Điểm cầu", "Kết quả", "Đã khoá sổ", "Điểm danh lúc",
	"Cần lưu ý"}, recordHeader...)

// WriteMemberCSV writes a member's report, one row per conference.
func WriteMemberCSV(w io.Writer, r *MemberReport) error {
	c := newCSVWriter(w)
	c.header(memberHeader...)
	for i := range r.Entries {
		e := &r.Entries[i]
		c.int(i + 1)
		c.text(e.Title)
		c.time(&e.StartsAt)
		c.text(e.PointName)
		c.str(statusLabels[e.Status])
		c.str(yesNo(e.Final))
		c.time(e.CheckedInAt)
		c.str(flagList(e.Flags))
		c.record(&e.AbsenceRecord)
		c.end()
	}
	return c.flush()
}

func flagList(fs []Flag) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(flagLabels[f])
	}
	return b.String()
}

// The parts of a yearly organization report that can be written as CSV.
const (
	OrgPartUnits     = "units"
	OrgPartOrganized = "organized"
	OrgPartAttended  = "attended"
)

// Conference report parts that can be written as CSV.
const (
	PartPoints    = "points"
	PartAbsentees = "absentees"
	PartDelegates = "delegates"
	PartFlags     = "flags"
)

var (
	unitsHeader     = append([]string{"STT", "Tổ chức", "Loại", "Hội nghị đã tổ chức", "Hội nghị được mời"}, tallyHeader...)
	organizedHeader = append([]string{"STT", "Hội nghị", "Thời gian", "Đơn vị tổ chức", "Số điểm cầu", "Đã khoá sổ"}, tallyHeader...)
	attendedHeader  = append([]string{"STT", "Hội nghị", "Thời gian", "Đơn vị tổ chức", "Đã khoá sổ"}, tallyHeader...)
)

// WriteOrganizationYearCSV writes one part of a yearly organization report:
// OrgPartUnits (a line per organization, the totals last), OrgPartOrganized (the
// conferences held) or OrgPartAttended (the conferences its members were invited to).
func WriteOrganizationYearCSV(w io.Writer, r *OrganizationYearReport, part string) error {
	c := newCSVWriter(w)
	switch part {
	case OrgPartOrganized:
		c.header(organizedHeader...)
		for i := range r.Organized {
			l := &r.Organized[i]
			c.int(i + 1)
			c.text(l.Title)
			c.time(&l.StartsAt)
			c.text(l.HostName)
			c.int(l.Points)
			c.str(yesNo(l.Final))
			c.tally(l.Tally)
			c.end()
		}
	case OrgPartAttended:
		c.header(attendedHeader...)
		for i := range r.Attended {
			l := &r.Attended[i]
			c.int(i + 1)
			c.text(l.Title)
			c.time(&l.StartsAt)
			c.text(l.HostName)
			c.str(yesNo(l.Final))
			c.tally(l.Tally)
			c.end()
		}
	default:
		c.header(unitsHeader...)
		for i := range r.Units {
			u := &r.Units[i]
			c.int(i + 1)
			c.text(u.Name)
			c.str(kindLabels[u.Kind])
			c.int(u.Organized)
			c.int(u.Conferences)
			c.tally(u.Tally)
			c.end()
		}
		c.str("")
		c.str("Tổng cộng")
		c.str("")
		c.int(r.Totals.Organized)
		c.int(r.Totals.Conferences)
		c.tally(r.Totals.Tally)
		c.end()
	}
	return c.flush()
}
