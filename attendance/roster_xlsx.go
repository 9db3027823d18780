package attendance

import (
	"archive/zip"
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// An XLSX roster is read in bounded memory. excelize streams a sheet's rows (Rows), but
// it holds in memory whole every part of the workbook that is not a sheet or the shared
// strings, each sheet and the shared strings below rosterXMLInMemory, and each piece of
// XML it decodes: a tag, a run of text, a cell, a row of cells. A zip of a few hundred
// kilobytes inflates to hundreds of megabytes of one such piece. So before excelize
// opens the workbook, xlsxParts checks the parts' sizes and scans the XML of the sheets
// and the shared strings as a stream, in constant memory, for a piece larger than the
// roster can use; excelize then never meets one. The scan also stops a sheet of far
// more rows than a roster may have; excelize parses the rows of any other only up to
// the row limit (readRoster).
const (
	// maxRosterCell is the longest cell, in characters as written in the file: Excel's
	// own limit, so no workbook Excel writes is refused for it. A roster's longest field
	// is 300 characters.
	maxRosterCell = 32_767
	// maxRosterRowText bounds the characters of all the cells of one row together
	// (shared strings counted at their length, each cell at least one), so that a row
	// of many cells, or of many cells naming one long shared string, stays small.
	maxRosterRowText = 1 << 18
	// maxRosterValuedRows bounds the rows of a sheet that hold a value: twice
	// maxRosterRows, so that a sheet far past the row limit is refused in the scan,
	// before excelize parses a row, while a sheet near it, some of whose rows may hold
	// nothing but spaces, is left to the row limit itself.
	maxRosterValuedRows = 2*maxRosterRows + 1
	// maxRosterStrings bounds the shared strings: excelize keeps an index entry for
	// each. A roster of maxRosterRows members has a few per member.
	maxRosterStrings = 1_000_000
	// rosterXMLInMemory is excelize's UnzipXMLSizeLimit: a sheet or shared strings
	// larger than this are unzipped to a temporary file and streamed from there.
	rosterXMLInMemory = 1 << 20
	// maxRosterHeld bounds the parts excelize holds in memory, together.
	maxRosterHeld = 16 << 20
)

// xlsxRows opens an XLSX roster and returns its rows as a stream, from the first sheet
// whose first non-blank row is a roster header, or else from the first sheet, with a
// function that closes the workbook once the rows are read. Any zip that excelize
// cannot open as a workbook (a .docx, a damaged file) is refused as the wrong file type.
func xlsxRows(data []byte) (nextRow, func(), error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, errFileType
	}
	if err := xlsxParts(zr); err != nil {
		return nil, nil, err
	}
	wb, err := excelize.OpenReader(bytes.NewReader(data),
		excelize.Options{UnzipSizeLimit: maxRosterUnzipped, UnzipXMLSizeLimit: rosterXMLInMemory})
	if err != nil {
		return nil, nil, errFileType
	}
	// Close only removes excelize's temporary files; a file left in the temporary
	// directory is no reason to fail the import.
	closeWB := func() { _ = wb.Close() }
	sheet, err := rosterSheet(wb)
	if err != nil {
		closeWB()
		return nil, nil, err
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		closeWB()
		return nil, nil, errFileType
	}
	line := 0
	next := func() (int, []string, error) {
		// Next moves one row number at a time, rows missing from the file included,
		// so line is the row number Excel shows.
		if !rows.Next() {
			if rows.Error() != nil {
				return 0, nil, errFileType
			}
			return 0, nil, io.EOF
		}
		line++
		// Columns gives the cells as Excel displays them, so numbers read as typed.
		cells, err := rows.Columns()
		if err != nil {
			return 0, nil, errFileType
		}
		return line, cells, nil
	}
	return next, func() { _ = rows.Close(); closeWB() }, nil
}

// errFileType refuses a file that is neither a CSV roster nor a workbook.
var errFileType = Invalid("file", CodeFileType, "csv,xlsx")

// rosterSheet names the sheet to read: the first whose first non-blank row is a roster
// header, so that a workbook may keep instructions or a summary on its first sheet, or
// else the first.
func rosterSheet(wb *excelize.File) (string, error) {
	sheets := wb.GetSheetList()
	if len(sheets) == 0 {
		return "", errFileType
	}
	for _, sheet := range sheets {
		ok, err := headedByRoster(wb, sheet)
		if err != nil {
			return "", errFileType
		}
		if ok {
			return sheet, nil
		}
	}
	return sheets[0], nil
}

// headedByRoster reports whether the first non-blank row of sheet is a roster header.
func headedByRoster(wb *excelize.File, sheet string) (bool, error) {
	rows, err := wb.Rows(sheet)
	if err != nil {
		return false, err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		cells, err := rows.Columns()
		if err != nil {
			return false, err
		}
		if !blank(cells) {
			_, probs := rosterHeader(0, cells)
			return len(probs) == 0, nil
		}
	}
	return false, rows.Error()
}

// xlsxParts checks the parts of a workbook before excelize opens it: their sizes
// unzipped, what excelize would hold in memory, and the XML of the shared strings and
// of every sheet (scanXML). The sizes are those the zip declares; archive/zip fails a
// part that inflates past its declared size, and so does excelize.
func xlsxParts(zr *zip.Reader) error {
	var (
		total, held uint64
		shared      *zip.File
		sheets      []*zip.File
	)
	for _, f := range zr.File {
		size := f.UncompressedSize64
		if size > maxRosterUnzipped-total {
			return Invalid("file", CodeFileSize, strconv.Itoa(maxRosterUnzipped))
		}
		total += size
		// The names as excelize tells sheets and shared strings apart.
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		streamed := false
		switch {
		case name == "xl/sharedstrings.xml":
			shared, streamed = f, size > rosterXMLInMemory
		case strings.HasPrefix(name, "xl/worksheets/sheet"):
			sheets, streamed = append(sheets, f), size > rosterXMLInMemory
		}
		if !streamed {
			held += size
		}
	}
	if held > maxRosterHeld {
		return Invalid("file", CodeFileSize, strconv.Itoa(maxRosterHeld))
	}
	var lengths []int32
	if shared != nil {
		s := xmlScan{shared: true}
		if err := s.part(shared); err != nil {
			return err
		}
		lengths = s.lengths
	}
	for _, f := range sheets {
		s := xmlScan{lengths: lengths}
		if err := s.part(f); err != nil {
			return err
		}
	}
	return nil
}

// xmlScan reads the XML of a sheet or of the shared strings as a stream of bytes and
// stops at the first piece too large (see the constants above). It knows of the XML
// only what it needs: tags and their quoted attributes, rows and their numbers, cells
// and the text inside them, shared strings and their lengths.
type xmlScan struct {
	shared  bool    // scanning the shared strings rather than a sheet
	lengths []int32 // the length of each shared string: built when shared, read otherwise

	inTag  bool   // between '<' and its '>'
	plain  bool   // a tag that is a comment, declaration or processing instruction
	quote  byte   // the quote of the attribute value being read in a tag, or 0
	tag    []byte // the tag read so far, without '<' and '>'
	run    int    // bytes in the current run of text
	line   int    // the current row
	inCell bool   // inside <c>…</c> of a sheet or <si>…</si> of the shared strings
	// inIndex is true inside the <v> of a shared string cell, whose text is an index.
	inIndex  bool
	isShared bool  // the current cell holds a shared string
	index    int   // the index read so far, or -1
	cell     int   // characters of the current cell or shared string
	row      int   // characters of the current row
	total    int64 // characters of every cell of the sheet
	valued   bool  // the current row has a cell with a value
	rows     int   // rows with a value
}

// part scans one part of the zip.
func (s *xmlScan) part(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return errFileType
	}
	defer rc.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := rc.Read(buf)
		if perr := s.feed(buf[:n]); perr != nil {
			return perr
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// A damaged zip, or a part larger than it says.
			return errFileType
		}
	}
}

// feed scans the next chunk of the part.
func (s *xmlScan) feed(b []byte) error {
	for len(b) > 0 {
		if !s.inTag {
			i := bytes.IndexByte(b, '<')
			text := b
			if i >= 0 {
				text = b[:i]
			}
			if err := s.text(text); err != nil {
				return err
			}
			if i < 0 {
				return nil
			}
			s.inTag, s.plain, s.quote, s.tag, s.run = true, false, 0, s.tag[:0], 0
			b = b[i+1:]
			continue
		}
		i := 0
		for ; i < len(b); i++ {
			c := b[i]
			if len(s.tag) == 0 && i == 0 {
				s.plain = c == '!' || c == '?'
			}
			switch {
			case s.quote != 0:
				if c == s.quote {
					s.quote = 0
				}
				continue
			case (c == '"' || c == '\'') && !s.plain:
				s.quote = c
				continue
			}
			if c == '>' {
				break
			}
		}
		if len(s.tag)+i > maxRosterCell {
			return s.tooLong(maxRosterCell)
		}
		s.tag = append(s.tag, b[:i]...)
		if i == len(b) {
			return nil
		}
		s.inTag = false
		if err := s.element(); err != nil {
			return err
		}
		b = b[i+1:]
	}
	return nil
}

// text counts a run of text, or part of one: the text of a cell in characters, any
// other run (spaces between tags, a shared string's index) in bytes.
func (s *xmlScan) text(b []byte) error {
	if !s.inCell || s.inIndex {
		if s.run += len(b); s.run > maxRosterCell {
			return s.tooLong(maxRosterCell)
		}
	}
	if !s.inCell {
		return nil
	}
	if s.inIndex {
		for _, c := range b {
			switch {
			case c >= '0' && c <= '9' && s.index >= 0 && s.index < maxRosterStrings:
				s.index = s.index*10 + int(c-'0')
			case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			default:
				s.index = -1
			}
		}
		return nil
	}
	// Characters are counted by their first bytes, so that one cut between two chunks
	// counts once.
	n := 0
	for _, c := range b {
		if c&0xC0 != 0x80 {
			n++
		}
	}
	return s.count(n)
}

// count adds n characters to the current cell and row.
func (s *xmlScan) count(n int) error {
	s.cell += n
	s.row += n
	s.total += int64(n)
	switch {
	case s.cell > maxRosterCell:
		return s.tooLong(maxRosterCell)
	case s.row > maxRosterRowText:
		return s.tooLong(maxRosterRowText)
	case s.total > maxRosterUnzipped:
		// Shared strings named again and again could make a sheet's text far larger
		// than its XML; it may not be larger than the XML a roster may have.
		return Invalid("file", CodeFileSize, strconv.Itoa(maxRosterUnzipped))
	}
	return nil
}

// element acts on the tag just read.
func (s *xmlScan) element() error {
	t := s.tag
	if s.plain || len(t) == 0 {
		return nil
	}
	end := t[0] == '/'
	if end {
		t = t[1:]
	}
	closed := !end && t[len(t)-1] == '/'
	name, attrs := t, []byte(nil)
	if i := bytes.IndexAny(t, " \t\r\n/"); i >= 0 {
		name, attrs = t[:i], t[i:]
	}
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	if s.shared {
		return s.sharedElement(string(name), end, closed)
	}
	switch string(name) {
	case "row":
		if end {
			return nil
		}
		s.row, s.valued = 0, false
		if r, ok := attr(attrs, "r"); ok {
			n, err := strconv.Atoi(string(r))
			if err != nil || n <= s.line {
				return errFileType
			}
			s.line = n
		} else {
			s.line++
		}
		if s.line > excelize.TotalRows {
			return errFileType
		}
	case "c":
		switch {
		case end:
			s.inCell = false
		default:
			// Each cell counts for one in its row at least, so a row of empty cells is
			// bounded too.
			s.inCell, s.cell = !closed, -1
			t, _ := attr(attrs, "t")
			s.isShared = string(t) == "s"
			return s.count(1)
		}
	case "v", "is":
		if s.inCell && !end && !closed && !s.valued {
			if s.valued, s.rows = true, s.rows+1; s.rows > maxRosterValuedRows {
				return &ValidationError{Fields: []FieldError{{Field: "file", Code: CodeRange, Param: strconv.Itoa(maxRosterRows),
					Line: s.line}}}
			}
		}
		if string(name) == "v" && s.inCell && s.isShared {
			if !end {
				s.inIndex, s.index = !closed, 0
				return nil
			}
			s.inIndex = false
			if s.index >= 0 && s.index < len(s.lengths) {
				return s.count(int(s.lengths[s.index]))
			}
		}
	}
	return nil
}

// sharedElement acts on a tag of the shared strings.
func (s *xmlScan) sharedElement(name string, end, closed bool) error {
	if name != "si" {
		return nil
	}
	if !end && !closed {
		s.inCell, s.cell, s.row = true, 0, 0
		return nil
	}
	if end {
		s.inCell = false
	} else {
		s.cell = 0
	}
	if len(s.lengths) == maxRosterStrings {
		return Invalid("file", CodeRange, strconv.Itoa(maxRosterStrings))
	}
	s.lengths = append(s.lengths, int32(s.cell))
	return nil
}

// tooLong reports a piece longer than limit, at the current row of a sheet.
func (s *xmlScan) tooLong(limit int) error {
	line := s.line
	if s.shared {
		line = 0
	}
	return &ValidationError{Fields: []FieldError{{Field: "file", Code: CodeTooLong, Param: strconv.Itoa(limit), Line: line}}}
}

// attr returns the value of the attribute name in the attributes of a tag.
func attr(attrs []byte, name string) ([]byte, bool) {
	for len(attrs) > 0 {
		attrs = bytes.TrimLeft(attrs, " \t\r\n/")
		eq := bytes.IndexByte(attrs, '=')
		if eq < 0 {
			return nil, false
		}
		key := bytes.TrimSpace(attrs[:eq])
		rest := bytes.TrimLeft(attrs[eq+1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return nil, false
		}
		closing := bytes.IndexByte(rest[1:], rest[0])
		if closing < 0 {
			return nil, false
		}
		if string(key) == name {
			return rest[1 : 1+closing], true
		}
		attrs = rest[2+closing:]
	}
	return nil, false
}
