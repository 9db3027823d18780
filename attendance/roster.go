package attendance

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RosterRow is one member line of an imported roster, as read and checked on its own,
// before it is matched against the registry.
type RosterRow struct {
	Line     int      // 1-based line (CSV) or row number (XLSX), the header being line 1
	Code     string   // member code (mã đảng viên), trimmed
	FullName string   // kept byte-exact apart from trimming surrounding spaces; NO Unicode normalization
	OrgRef   string   // organization code or name, trimmed
	Position Position // PositionMember when the cell is empty
	Exempt   bool
	Phone    string
	PIN      string // optional initial PIN; empty means keep/none
	Active   bool   // true when the column is absent or empty
}

// Roster is a roster file as read, before it is matched against the registry: every
// member row, and every problem the file has on its own (docs/design.md §20.2), each at
// its line — a row's cells that are not of their column's form, a code given twice, a
// CSV that breaks at some line. A row with a problem is kept, so that the registry's
// problems (an unknown organization) are found in the same pass and the user fixes the
// whole file at once; nothing of a roster with a problem is imported (§20.7).
type Roster struct {
	Rows     []RosterRow
	Problems []FieldError
}

// Err returns the roster's problems together with more (those found matching its rows
// against the registry) as one *ValidationError, ordered by line and, within a line,
// as the columns are (rosterColumns), so that they read as the file does; nil when
// there are none.
func (r Roster) Err(more ...FieldError) error {
	if len(r.Problems)+len(more) == 0 {
		return nil
	}
	all := make([]FieldError, 0, len(r.Problems)+len(more))
	all = append(append(all, r.Problems...), more...)
	slices.SortStableFunc(all, func(a, b FieldError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(columnRank(a.Field), columnRank(b.Field)))
	})
	return &ValidationError{Fields: all}
}

// columnRank orders the problems of one line: the file's own first, then the columns
// in rosterColumns' order, then anything else.
func columnRank(field string) int {
	if field == "file" {
		return -1
	}
	for i, c := range rosterColumns {
		if c.field == field {
			return i
		}
	}
	return len(rosterColumns)
}

// Problem is a problem with the row's cell of field, holding value, at the row's line.
// The value is shortened past maxShownValue characters: enough to find the cell, not
// a whole padded one repeated for every row. A PIN's problem carries no value (the
// caller gives none): a PIN is a secret, and a problem is shown on screens and kept in
// browsers' histories.
func (r RosterRow) Problem(field, code, param, value string) FieldError {
	if utf8.RuneCountInString(value) > maxShownValue {
		value = string([]rune(value)[:maxShownValue-1]) + "…"
	}
	return FieldError{Field: field, Code: code, Param: param, Line: r.Line, Value: value}
}

// maxShownValue is the most characters of a cell a problem repeats.
const maxShownValue = 60

// maxRosterRows is the most data rows an imported roster may have. It keeps one import
// within what a single request can check and store.
const maxRosterRows = 100_000

// maxRosterUnzipped bounds the uncompressed size of an XLSX roster. The HTTP layer
// limits the upload, but a small zip can inflate to gigabytes; a real roster of
// maxRosterRows rows stays well under this.
const maxRosterUnzipped = 256 << 20

// rosterColumns lists the roster's fields by their JSON names, with the header texts
// a roster may use for each, in Vietnamese and English. Headers are compared folded
// (see fold), so "MÃ ĐV", "Mã ĐV" and "ma_dv" are the same header.
var rosterColumns = []struct {
	field    string
	required bool
	headers  []string
}{
	{"code", true, []string{"Mã đảng viên", "Mã ĐV", "Mã", "Mã số", "code", "member code", "memberCode"}},
	{"fullName", true, []string{"Họ và tên", "Họ tên", "full name", "fullName", "name"}},
	{"organization", true, []string{"Mã tổ chức", "Tổ chức", "Chi bộ", "Đơn vị", "organization", "organization code", "org"}},
	{"position", false, []string{"Chức vụ", "position"}},
	{"exempt", false, []string{"Miễn sinh hoạt", "Miễn SH", "exempt"}},
	{"phone", false, []string{"Điện thoại", "Số điện thoại", "SĐT", "phone", "phone number"}},
	{"pin", false, []string{"PIN", "Mã PIN"}},
	{"active", false, []string{"Hoạt động", "Trạng thái", "active"}},
}

// ReadRoster reads a roster in CSV or XLSX (detected from the content, not the name)
// and checks each member line on its own: the form of the code, name, organization,
// position, flags, phone and PIN, and that no code appears twice in the file (in any
// letter case: codes are compared as MemberCode spells them). It does not look
// anything up; matching organizations and existing members is the caller's, who
// reports what it finds together with the roster's own problems (Roster.Err).
//
// An XLSX roster is read from the first sheet whose first non-blank row is a roster
// header, or else from the first sheet. A CSV roster is UTF-8, with or without a byte
// order mark, separated by commas, semicolons or tabs as its header line shows (or as
// an Excel "sep=" first line says). The header is the first non-blank line; blank
// lines are skipped, and Line still counts them so that it matches what the user sees
// in the file.
//
// ReadRoster returns every row read, with the problems of the rows and of the file in
// Roster.Problems. It returns a *ValidationError (matching ErrInvalid) instead when the
// file cannot be read as a roster at all: empty, of another type, without a usable
// header line (every problem of the header listed), or too large to be a roster — past
// maxRosterRows rows, or at a cell longer than maxRosterCell characters, where that
// shows; an XLSX file also before its rows (see xlsxParts). Other errors come only from
// reading r.
func ReadRoster(r io.Reader) (Roster, error) {
	data, err := readAll(r)
	if err != nil {
		return Roster{}, fmt.Errorf("read roster: %w", err)
	}
	var next nextRow
	switch {
	case len(bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))) == 0:
		return Roster{}, Invalid("file", CodeEmptyFile, "")
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		var done func()
		if next, done, err = xlsxRows(data); err != nil {
			return Roster{}, err
		}
		defer done()
	case isCSV(data):
		next = csvRows(data)
	default:
		return Roster{}, Invalid("file", CodeFileType, "csv,xlsx")
	}
	return readRoster(next)
}

// readAll reads r whole: in one allocation of its size when r knows it, as an upload
// held in memory and a bytes.Reader do, rather than growing a buffer to twice that.
func readAll(r io.Reader) ([]byte, error) {
	sized, ok := r.(interface{ Size() int64 })
	if !ok || sized.Size() <= 0 || sized.Size() > 1<<30 {
		return io.ReadAll(r)
	}
	data := make([]byte, sized.Size())
	n, err := io.ReadFull(r, data)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		// A reader already read from, or shorter than it said.
		return data[:n], nil
	case err != nil:
		return nil, err
	}
	// Whatever follows what r said it holds, as io.ReadAll would.
	rest, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return append(data, rest...), nil
}

// nextRow returns the next row of a roster with its line number, and io.EOF after the
// last. A *ValidationError means the file cannot be read past that point.
type nextRow func() (line int, cells []string, err error)

// readRoster reads the header and then every data row from next.
func readRoster(next nextRow) (Roster, error) {
	var cols map[string]int
	for cols == nil {
		line, cells, err := next()
		if err == io.EOF {
			return Roster{}, Invalid("file", CodeEmptyFile, "")
		}
		if err != nil {
			return Roster{}, err
		}
		if err := tooLongCell(line, cells); err != nil {
			return Roster{}, err
		}
		if blank(cells) {
			continue
		}
		var hp []FieldError
		if cols, hp = rosterHeader(line, cells); len(hp) > 0 {
			return Roster{}, &ValidationError{Fields: hp}
		}
	}

	var (
		rows  []RosterRow
		probs []FieldError
		seen  = make(map[string]int) // code as MemberCode spells it → first line
	)
	for {
		line, cells, err := next()
		if err == io.EOF {
			break
		}
		var ve *ValidationError
		if errors.As(err, &ve) {
			// A broken quote leaves the rest of the file unreadable, but what was read
			// before it is still worth reporting.
			probs = append(probs, ve.Fields...)
			break
		}
		if err != nil {
			return Roster{}, err
		}
		if err := tooLongCell(line, cells); err != nil {
			return Roster{}, err
		}
		if blank(cells) {
			continue
		}
		if len(rows) == maxRosterRows {
			return Roster{}, &ValidationError{Fields: []FieldError{{Field: "file", Code: CodeRange,
				Param: strconv.Itoa(maxRosterRows), Line: line}}}
		}
		row, p := rosterRow(line, cells, cols, seen)
		probs = append(probs, p...)
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(probs) == 0 {
		return Roster{}, Invalid("file", CodeEmptyFile, "")
	}
	return Roster{Rows: rows, Problems: probs}, nil
}

// tooLongCell refuses a row with a cell longer than maxRosterCell characters, at its
// line: no roster needs one, and the file stops there.
func tooLongCell(line int, cells []string) error {
	for _, c := range cells {
		if len(c) > maxRosterCell && utf8.RuneCountInString(c) > maxRosterCell {
			return &ValidationError{Fields: []FieldError{{Field: "file", Code: CodeTooLong, Param: strconv.Itoa(maxRosterCell),
				Line: line}}}
		}
	}
	return nil
}

// rosterHeader maps each recognized field to its column in the header cells, ignoring
// columns it does not know (an "STT" or "Ghi chú" column is common). It reports a
// recognized column given twice and every missing required column.
func rosterHeader(line int, cells []string) (map[string]int, []FieldError) {
	cols := make(map[string]int)
	var probs []FieldError
	for i, cell := range cells {
		field := rosterField(cell)
		if field == "" {
			continue
		}
		if first, dup := cols[field]; dup {
			// Value is the header given again, Param the one it repeats.
			probs = append(probs, FieldError{Field: "file", Code: CodeDuplicate, Param: strings.TrimSpace(cells[first]),
				Line: line, Value: strings.TrimSpace(cell)})
			continue
		}
		cols[field] = i
	}
	for _, c := range rosterColumns {
		if _, ok := cols[c.field]; c.required && !ok {
			// Param "column": the header has no such column, not a row an empty cell.
			probs = append(probs, FieldError{Field: c.field, Code: CodeRequired, Param: "column", Line: line})
		}
	}
	return cols, probs
}

// rosterField returns the field a header cell names, or "" for a column to ignore.
func rosterField(header string) string {
	h := fold(header)
	if h == "" {
		return ""
	}
	for _, c := range rosterColumns {
		for _, alias := range c.headers {
			if fold(alias) == h {
				return c.field
			}
		}
	}
	return ""
}

// rosterRow reads and checks one data row. seen holds the codes of earlier rows (as
// MemberCode spells them) and their lines; rosterRow adds this row's code to it. Each
// problem carries the line and the value found (RosterRow.Problem).
func rosterRow(line int, cells []string, cols map[string]int, seen map[string]int) (RosterRow, []FieldError) {
	cell := func(field string) string {
		i, ok := cols[field]
		if !ok || i >= len(cells) {
			return ""
		}
		v := strings.TrimSpace(cells[i])
		if len(v) < len(cells[i]) {
			// A copy, so that a row kept does not keep the spaces around its values: a
			// sheet of names padded with thousands of spaces would otherwise stay in
			// memory whole.
			v = strings.Clone(v)
		}
		return v
	}
	row := RosterRow{
		Line:     line,
		Code:     cell("code"),
		FullName: cell("fullName"),
		OrgRef:   cell("organization"),
		Phone:    cell("phone"),
		PIN:      cell("pin"),
	}
	var p []FieldError
	bad := func(field, code, param, value string) { p = append(p, row.Problem(field, code, param, value)) }
	switch first, dup := seen[MemberCode(row.Code)]; {
	case row.Code == "":
		bad("code", CodeRequired, "", "")
	case !memberCodeRe.MatchString(row.Code):
		bad("code", CodeInvalid, "", row.Code)
	case dup:
		bad("code", CodeDuplicate, strconv.Itoa(first), row.Code)
	default:
		seen[MemberCode(row.Code)] = line
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{{"fullName", row.FullName, 200}, {"organization", row.OrgRef, 300}} {
		switch {
		case f.value == "":
			bad(f.field, CodeRequired, "", "")
		case utf8.RuneCountInString(f.value) > f.max:
			bad(f.field, CodeTooLong, strconv.Itoa(f.max), f.value)
		}
	}

	var ok bool
	position, exempt, active := cell("position"), cell("exempt"), cell("active")
	if row.Position, ok = rosterPosition(position); !ok {
		bad("position", CodeOneOf, "secretary,deputy,member", position)
	}
	if row.Exempt, ok = rosterBool(exempt, false); !ok {
		bad("exempt", CodeInvalid, "", exempt)
	}
	if row.Phone != "" && !phoneRe.MatchString(row.Phone) {
		bad("phone", CodeInvalid, "", row.Phone)
	}
	if row.PIN != "" && !ValidPIN(row.PIN) {
		bad("pin", CodeInvalid, "", "")
	}
	if row.Active, ok = rosterActive(active); !ok {
		bad("active", CodeInvalid, "", active)
	}
	return row, p
}

// rosterPosition reads a position cell; an empty cell is an ordinary member.
func rosterPosition(s string) (Position, bool) {
	switch fold(s) {
	case "", "dangvien", "member":
		return PositionMember, true
	case "bithu", "bithuchibo", "secretary":
		return PositionSecretary, true
	case "phobithu", "phobithuchibo", "deputy":
		return PositionDeputy, true
	}
	return "", false
}

// rosterBool reads a yes/no cell as people fill them in Excel: an "x" for yes is
// common. An empty cell is empty.
func rosterBool(s string, empty bool) (v, ok bool) {
	switch fold(s) {
	case "":
		return empty, true
	case "x", "co", "1", "yes", "true", "dung":
		return true, true
	case "khong", "0", "no", "false", "sai":
		return false, true
	}
	return false, false
}

// rosterActive reads the active cell, which may also hold a status in words since the
// Vietnamese header "Trạng thái" invites it. An empty cell is active.
func rosterActive(s string) (v, ok bool) {
	switch fold(s) {
	case "hoatdong", "danghoatdong":
		return true, true
	case "ngung", "nghi", "ngunghoatdong", "khonghoatdong":
		return false, true
	}
	return rosterBool(s, true)
}

// fold reduces a header or keyword to a key that ignores case, Vietnamese diacritics
// (đ counts as d), spaces and underscores, so "Họ và tên", "HO VA TEN" and "ho_va_ten"
// compare equal, as do "fullName" and "full name". Names are never folded.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '_' {
			return -1
		}
		return r
	}, Fold(s))
}

// blank reports whether every cell is empty, as in the rows of separators alone that
// Excel writes for empty lines.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// utf8BOM starts the files Excel saves as "CSV UTF-8".
var utf8BOM = []byte("\xEF\xBB\xBF")

// isCSV reports whether data can be a CSV roster: UTF-8 text without control
// characters other than tabs and line ends, and not one of the text formats people
// upload by mistake: a PDF, or the HTML and XML files old software saves with an .xls
// name. Images, legacy .xls (OLE) files, UTF-16 text and Windows-1258 CSV all fail the
// UTF-8 or control character test.
func isCSV(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	start := bytes.TrimLeftFunc(bytes.TrimPrefix(data, utf8BOM), unicode.IsSpace)
	for _, p := range []string{"%PDF-", "<", "{\\rtf"} {
		if bytes.HasPrefix(start, []byte(p)) {
			return false
		}
	}
	return true
}

// csvRows reads a CSV roster. The line of each record is where it starts in the file,
// so blank lines and newlines inside quoted cells are counted.
func csvRows(data []byte) nextRow {
	data = bytes.TrimPrefix(data, utf8BOM)
	comma, offset := rune(0), 0
	if first, rest, ok := bytes.Cut(data, []byte("\n")); ok {
		first = bytes.TrimSuffix(first, []byte("\r"))
		if len(first) == 5 && bytes.HasPrefix(first, []byte("sep=")) && strings.IndexByte(",;\t|", first[4]) >= 0 {
			comma, data, offset = rune(first[4]), rest, 1
		}
	}
	if comma == 0 {
		comma = sniffDelimiter(data)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false
	return func() (int, []string, error) {
		rec, err := cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return 0, nil, &ValidationError{Fields: []FieldError{{Field: "file", Code: CodeInvalid, Line: pe.StartLine + offset}}}
			}
			return 0, nil, err
		}
		line, _ := cr.FieldPos(0)
		return line + offset, rec, nil
	}
}

// sniffDelimiter picks the delimiter used most in the first non-blank line, outside
// quotes: a comma, a semicolon (what Excel writes where the decimal mark is a comma,
// as in Vietnam) or a tab. A tie goes to the comma.
func sniffDelimiter(data []byte) rune {
	delims := []rune{',', ';', '\t'}
	counts := make([]int, len(delims))
	quoted, started := false, false
	for _, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n' && started:
			return mostUsed(delims, counts)
		default:
			if i := slices.Index(delims, rune(c)); i >= 0 {
				counts[i]++
			}
		}
		started = started || !unicode.IsSpace(rune(c))
	}
	return mostUsed(delims, counts)
}

func mostUsed(delims []rune, counts []int) rune {
	best := 0
	for i := range delims {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return delims[best]
}
