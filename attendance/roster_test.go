package attendance

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// The names of the test rosters, in the NFC form keyboards and Excel produce.
const (
	nameDuong = "Nguyễn Thị Thuỳ Dương"
	nameDuc   = "Trần Văn Đức"
	nameYen   = "Hoàng Thị Hải Yến"
	nameDon   = "Lê Quý Đôn"
	nameDong  = "Phạm Văn Đồng"
)

func TestParseRoster(t *testing.T) {
	excelCSV := mustRead(t, "excel_semicolon_bom.csv")
	if !bytes.HasPrefix(excelCSV, utf8BOM) || bytes.Count(excelCSV, []byte("\r\n")) != bytes.Count(excelCSV, []byte("\n")) {
		t.Fatal("testdata/roster/excel_semicolon_bom.csv lost its BOM or its CRLF line ends")
	}
	// excelRows are the rows of testdata/roster/excel_semicolon_bom.csv, which Excel's
	// "CSV UTF-8" in a Vietnamese locale would save: BOM, semicolons, CRLF, a blank row
	// of separators on line 4 and a note spanning lines 6 and 7.
	excelRows := []RosterRow{
		{Line: 2, Code: "DV0001", FullName: nameDuong, OrgRef: "CB01", Position: PositionSecretary, Phone: "0912 345 678", PIN: "1234", Active: true},
		{Line: 3, Code: "DV0002", FullName: nameDuc, OrgRef: "CB01", Position: PositionDeputy, Active: true},
		{Line: 5, Code: "DV0003", FullName: nameYen, OrgRef: "CB02", Position: PositionMember, Exempt: true, Phone: "+84 912 000 111", Active: true},
		{Line: 6, Code: "DV0004", FullName: nameDon, OrgRef: "Chi bộ 3; Khối cơ quan", Position: PositionMember, Exempt: true, Active: false},
		{Line: 8, Code: "DV0005", FullName: nameDong, OrgRef: "CB02", Position: PositionMember, PIN: "87654321", Active: true},
	}
	// basic is a roster of three members with only the required columns.
	basic := []RosterRow{
		{Line: 2, Code: "DV0001", FullName: nameDuong, OrgRef: "CB01", Position: PositionMember, Active: true},
		{Line: 3, Code: "DV0002", FullName: nameDuc, OrgRef: "CB01", Position: PositionMember, Active: true},
		{Line: 4, Code: "DV0003", FullName: nameYen, OrgRef: "CB02", Position: PositionMember, Active: true},
	}
	basicCells := [][]any{
		{"Mã ĐV", "Họ tên", "Mã tổ chức"},
		{"DV0001", nameDuong, "CB01"},
		{"DV0002", nameDuc, "CB01"},
		{"DV0003", nameYen, "CB02"},
	}

	tests := []struct {
		name string
		in   []byte
		want []RosterRow
	}{
		{"excel CSV UTF-8 BOM semicolon CRLF", excelCSV, excelRows},
		{"XLSX with the same rows", mustXLSX(t, xlsxSheet{"Danh sách", excelCells(t)}), excelRows},
		{"CSV comma LF without BOM", mustRead(t, "comma_lf.csv"), []RosterRow{
			{Line: 2, Code: "DV0001", FullName: nameDuong, OrgRef: "CB01", Position: PositionSecretary, Phone: "0912345678", PIN: "1234", Active: true},
			{Line: 3, Code: "DV0002", FullName: nameDuc, OrgRef: "CB01", Position: PositionDeputy, Active: true},
			{Line: 5, Code: "DV0003", FullName: nameYen, OrgRef: "CB02", Position: PositionMember, Exempt: true, Active: false},
			{Line: 6, Code: "DV0004", FullName: nameDon, OrgRef: "Chi bộ 3, Khối cơ quan", Position: PositionMember, Exempt: true, Active: false},
		}},
		{"quoted semicolon and newline", []byte("Mã;Họ và tên;Tổ chức\n" +
			"DV0001;\"" + nameDuong + "\";\"Đảng bộ A; Chi bộ 1\"\n" +
			"DV0002;\"Trần Văn\nĐức\";\"Chi bộ \"\"Cơ quan\"\"\"\n" +
			"DV0003;" + nameYen + ";CB02\n"), []RosterRow{
			{Line: 2, Code: "DV0001", FullName: nameDuong, OrgRef: "Đảng bộ A; Chi bộ 1", Position: PositionMember, Active: true},
			{Line: 3, Code: "DV0002", FullName: "Trần Văn\nĐức", OrgRef: "Chi bộ \"Cơ quan\"", Position: PositionMember, Active: true},
			{Line: 5, Code: "DV0003", FullName: nameYen, OrgRef: "CB02", Position: PositionMember, Active: true},
		}},
		{"blank lines keep line numbers", []byte("\n\nMã ĐV,Họ tên,Mã tổ chức\r\n\r\nDV0001," + nameDuong + ",CB01\r\n,,\r\n   \r\n" +
			"DV0002," + nameDuc + ",CB01\r\n\r\n\r\nDV0003," + nameYen + ",CB02\r\n\r\n"), []RosterRow{
			{Line: 5, Code: "DV0001", FullName: nameDuong, OrgRef: "CB01", Position: PositionMember, Active: true},
			{Line: 8, Code: "DV0002", FullName: nameDuc, OrgRef: "CB01", Position: PositionMember, Active: true},
			{Line: 11, Code: "DV0003", FullName: nameYen, OrgRef: "CB02", Position: PositionMember, Active: true},
		}},
		{"tab delimited", csvOf("\t", "\n", basicCells), basic},
		{"comma delimited CRLF", csvOf(",", "\r\n", basicCells), basic},
		{"Excel sep line", append([]byte("sep=;\r\n"), csvOf(";", "\r\n", basicCells)...), shiftLines(basic, 1)},
		{"English headers", []byte("Member Code;Full Name;Organization Code;Position;Exempt;Phone;PIN;Active\n" +
			"DV0001;" + nameDuong + ";CB01;SECRETARY;No;0912345678;1234;TRUE\n" +
			"DV0002;" + nameDuc + ";CB01;Deputy;yes;;;no\n"), []RosterRow{
			{Line: 2, Code: "DV0001", FullName: nameDuong, OrgRef: "CB01", Position: PositionSecretary, Phone: "0912345678", PIN: "1234", Active: true},
			{Line: 3, Code: "DV0002", FullName: nameDuc, OrgRef: "CB01", Position: PositionDeputy, Exempt: true, Active: false},
		}},
		{"camel and snake headers", []byte("memberCode,full_name,org,phone_number\nDV0001," + nameDuong + ",CB01,0912345678\n"), []RosterRow{
			{Line: 2, Code: "DV0001", FullName: nameDuong, OrgRef: "CB01", Position: PositionMember, Phone: "0912345678", Active: true},
		}},
		{"headers without diacritics in capitals", []byte("STT;MA DANG VIEN;HO VA TEN;DON VI;CHUC VU;MIEN SH;SDT;GHI CHU\n" +
			"1;DV0001;" + nameDuong + ";CB01;BÍ THƯ CHI BỘ;KHONG;;\n"), []RosterRow{
			{Line: 2, Code: "DV0001", FullName: nameDuong, OrgRef: "CB01", Position: PositionSecretary, Active: true},
		}},
		{"position and flag words", []byte("Mã;Họ tên;Tổ chức;Chức vụ;Miễn SH;Hoạt động\n" +
			"A1;" + nameDuong + ";CB01;bi thu;đúng;Đang hoạt động\n" +
			"A2;" + nameDuc + ";CB01;PHÓ BÍ THƯ;sai;Ngừng\n" +
			"A3;" + nameYen + ";CB01;đảng viên;0;không hoạt động\n" +
			"A4;" + nameDon + ";CB01;;co;khong\n"), []RosterRow{
			{Line: 2, Code: "A1", FullName: nameDuong, OrgRef: "CB01", Position: PositionSecretary, Exempt: true, Active: true},
			{Line: 3, Code: "A2", FullName: nameDuc, OrgRef: "CB01", Position: PositionDeputy, Active: false},
			{Line: 4, Code: "A3", FullName: nameYen, OrgRef: "CB01", Position: PositionMember, Active: false},
			{Line: 5, Code: "A4", FullName: nameDon, OrgRef: "CB01", Position: PositionMember, Exempt: true, Active: false},
		}},
		{"XLSX roster on second sheet", mustXLSX(t,
			xlsxSheet{"Hướng dẫn", [][]any{{"Điền danh sách ở trang sau."}}},
			xlsxSheet{"Danh sách", basicCells}), basic},
		{"XLSX numeric cells", mustXLSX(t, xlsxSheet{"Sheet1", [][]any{
			{"Mã số", "Họ và tên", "Đơn vị", "Mã PIN", "Miễn sinh hoạt", "Hoạt động"},
			{123456, nameDuong, "CB01", 4321, 1, true},
			nil,
			{123457, nameDuc, "CB01", nil, 0, false},
		}}), []RosterRow{
			{Line: 2, Code: "123456", FullName: nameDuong, OrgRef: "CB01", Position: PositionMember, PIN: "4321", Exempt: true, Active: true},
			{Line: 4, Code: "123457", FullName: nameDuc, OrgRef: "CB01", Position: PositionMember, Active: false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRoster(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatalf("parseRoster() error = %v, want nil", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("parseRoster() rows\ngot  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseRoster_NamesByteExact(t *testing.T) {
	// nfd is "Nguyễn Thị Thuỳ Dương" decomposed, as macOS may hand it over: letters
	// followed by combining marks. The registry keeps what the user typed.
	nfd := "Nguye\u0302\u0303n Thi\u0323 Thuy\u0300 Du\u031Bo\u031Bng"
	if !norm.NFD.IsNormalString(nfd) || norm.NFC.String(nfd) != nameDuong {
		t.Fatalf("test setup: %q is not the NFD form of %q", nfd, nameDuong)
	}
	names := []string{nameDuong, nameDuc, nameYen, nameDon, nfd, "Nguyễn  Văn   A"}
	var in strings.Builder
	in.WriteString("Mã;Họ và tên;Tổ chức\r\n")
	for i, n := range names {
		fmt.Fprintf(&in, "DV%d; \t%s \u00a0;CB01\r\n", i, n)
	}
	xlsxCells := [][]any{{"Mã", "Họ và tên", "Tổ chức"}}
	for i, n := range names {
		xlsxCells = append(xlsxCells, []any{fmt.Sprintf("DV%d", i), " " + n + " ", "CB01"})
	}

	inputs := []struct {
		name string
		in   []byte
	}{
		{"CSV", []byte(in.String())},
		{"XLSX", mustXLSX(t, xlsxSheet{"Sheet1", xlsxCells})},
	}
	for _, tt := range inputs {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := parseRoster(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatalf("parseRoster() error = %v, want nil", err)
			}
			if len(rows) != len(names) {
				t.Fatalf("got %d rows, want %d", len(rows), len(names))
			}
			for i, want := range names {
				if got := rows[i].FullName; got != want {
					t.Errorf("row %d FullName: got %q (% x), want %q (% x)", i, got, got, want, want)
				}
			}
			if got := rows[4].FullName; got == nameDuong {
				t.Errorf("NFD name: got the NFC form %q, want the NFD bytes kept", got)
			}
		})
	}
}

func TestParseRoster_Invalid(t *testing.T) {
	head := "Mã đảng viên;Họ và tên;Tổ chức;Chức vụ;Miễn SH;Điện thoại;PIN;Hoạt động\n"
	good := func(code, name string) string { return code + ";" + name + ";CB01;;;;;\n" }
	fileType := []FieldError{{Field: "file", Code: CodeFileType, Param: "csv,xlsx"}}
	emptyFile := []FieldError{{Field: "file", Code: CodeEmptyFile}}

	junk := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(rng.UintN(256))
	}
	var tooMany strings.Builder
	tooMany.WriteString("code,name,org\n")
	for i := range maxRosterRows + 1 {
		fmt.Fprintf(&tooMany, "DV%d,Người %d,CB01\n", i, i)
	}

	tests := []struct {
		name string
		in   []byte
		want []FieldError
	}{
		{"PDF", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"), fileType},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"), fileType},
		{"binary junk", junk, fileType},
		{"legacy xls", append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 504)...), fileType},
		{"Windows-1258 CSV", []byte("M\xE3;H\xF4 t\xEAn;T\xF4\xD2 ch\xF9c\r\nDV1;Tr\xE2\xD2n V\xE3n \xD0\xF9c;CB01\r\n"), fileType},
		{"UTF-16 text", utf16LE("Mã\tHọ tên\tTổ chức\r\nDV1\t" + nameDuc + "\tCB01\r\n"), fileType},
		{"HTML saved as xls", []byte("<html><body><table><tr><td>Mã</td></tr></table></body></html>"), fileType},
		{"zip that is not a workbook", mustZip(t, "readme.txt", "Mã;Họ tên;Tổ chức\n"), fileType},
		{"truncated XLSX", mustXLSX(t, xlsxSheet{"Sheet1", [][]any{{"Mã"}}})[:200], fileType},
		{"empty input", nil, emptyFile},
		{"BOM and blank lines only", []byte("\xEF\xBB\xBF\r\n\r\n  \r\n"), emptyFile},
		{"header only", []byte(head), emptyFile},
		{"header and blank rows only", []byte(head + ";;;;;;;\n\n"), emptyFile},
		{"XLSX header only", mustXLSX(t, xlsxSheet{"Sheet1", [][]any{{"Mã", "Họ tên", "Tổ chức"}}}), emptyFile},
		{"missing required headers", []byte("STT;Họ và tên;Ghi chú\n1;" + nameDuc + ";\n"), []FieldError{
			{Field: "code", Code: CodeRequired, Param: "column", Line: 1},
			{Field: "organization", Code: CodeRequired, Param: "column", Line: 1},
		}},
		{"duplicate header", []byte("Mã;Họ và tên;Tổ chức;Họ tên\nDV1;" + nameDuc + ";CB01;" + nameDuc + "\n"), []FieldError{
			{Field: "file", Code: CodeDuplicate, Param: "Họ và tên", Line: 1, Value: "Họ tên"},
		}},
		{"one bad row among good", []byte(head + good("DV1", nameDuong) + good("DV2", nameDuc) +
			"DV3;" + nameYen + ";CB02;;;phone?;;\n" + good("DV4", nameDon)), []FieldError{
			{Field: "phone", Code: CodeInvalid, Line: 4, Value: "phone?"},
		}},
		{"many problems together", []byte(head +
			"DV 1;;CB01;trưởng ban;;;12;\n" +
			good("DV2", nameDuc) +
			";" + strings.Repeat("ễ", 201) + ";;;maybe;;;có lẽ\n" +
			"DV4;" + nameDon + ";CB01;Bí thư;x;0912345678;123456789;1\n"), []FieldError{
			{Field: "code", Code: CodeInvalid, Line: 2, Value: "DV 1"},
			{Field: "fullName", Code: CodeRequired, Line: 2},
			{Field: "position", Code: CodeOneOf, Param: "secretary,deputy,member", Line: 2, Value: "trưởng ban"},
			{Field: "pin", Code: CodeInvalid, Line: 2}, // a PIN is not repeated back
			{Field: "code", Code: CodeRequired, Line: 4},
			{Field: "fullName", Code: CodeTooLong, Param: "200", Line: 4, Value: strings.Repeat("ễ", 59) + "…"},
			{Field: "organization", Code: CodeRequired, Line: 4},
			{Field: "exempt", Code: CodeInvalid, Line: 4, Value: "maybe"},
			{Field: "active", Code: CodeInvalid, Line: 4, Value: "có lẽ"},
			{Field: "pin", Code: CodeInvalid, Line: 5},
		}},
		{"duplicate code", []byte(head + good("DV1", nameDuong) + good("DV2", nameDuc) + "\n" +
			good("DV1", nameYen) + good("DV2", nameDon) + good("DV1", nameDong) + good("dv2", nameDuong)), []FieldError{
			{Field: "code", Code: CodeDuplicate, Param: "2", Line: 5, Value: "DV1"},
			{Field: "code", Code: CodeDuplicate, Param: "3", Line: 6, Value: "DV2"},
			{Field: "code", Code: CodeDuplicate, Param: "2", Line: 7, Value: "DV1"},
			// One code in two spellings is one member (MemberCode).
			{Field: "code", Code: CodeDuplicate, Param: "3", Line: 8, Value: "dv2"},
		}},
		{"unterminated quote", []byte(head + good("DV1", nameDuong) + "DV2;\"" + nameDuc + ";CB01\nDV3;" + nameYen + ";CB01\n"), []FieldError{
			{Field: "file", Code: CodeInvalid, Line: 3},
		}},
		{"bare quote after a bad row", []byte(head + "DV1;;CB01\n" + good("DV2", nameDuc) + "DV3;Lê \"Tí\";CB01\n" + "DV4;;CB01\n"), []FieldError{
			{Field: "fullName", Code: CodeRequired, Line: 2},
			{Field: "file", Code: CodeInvalid, Line: 4},
		}},
		{"XLSX bad row", mustXLSX(t, xlsxSheet{"Sheet1", [][]any{
			{"Mã", "Họ tên", "Tổ chức", "Chức vụ"},
			{"DV1", nameDuong, "CB01", "Bí thư"},
			nil,
			{"DV2", nameDuc, "", "Chủ tịch"},
		}}), []FieldError{
			{Field: "organization", Code: CodeRequired, Line: 4},
			{Field: "position", Code: CodeOneOf, Param: "secretary,deputy,member", Line: 4, Value: "Chủ tịch"},
		}},
		{"too many rows", []byte(tooMany.String()), []FieldError{{Field: "file", Code: CodeRange, Param: "100000", Line: 100_002}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := parseRoster(bytes.NewReader(tt.in))
			if rows != nil {
				t.Errorf("parseRoster() rows: got %d, want nil", len(rows))
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("parseRoster() error: got %v, want ErrInvalid", err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("parseRoster() error: got %T, want *ValidationError", err)
			}
			if !slices.Equal(ve.Fields, tt.want) {
				t.Errorf("parseRoster() problems\ngot  %+v\nwant %+v", ve.Fields, tt.want)
			}
		})
	}
}

func TestParseRoster_ReadError(t *testing.T) {
	readErr := errors.New("connection reset")
	_, err := parseRoster(errReader{readErr})
	if !errors.Is(err, readErr) || errors.Is(err, ErrInvalid) {
		t.Errorf("parseRoster() error: got %v, want the read error", err)
	}
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// excelCells are the cells of testdata/roster/excel_semicolon_bom.csv, each record on
// the row of the line it starts on, so that the workbook holds the same rows with the
// same numbers.
func excelCells(t *testing.T) [][]any {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(mustRead(t, "excel_semicolon_bom.csv"), utf8BOM)))
	cr.Comma = ';'
	var rows [][]any
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		line, _ := cr.FieldPos(0)
		for len(rows) < line {
			rows = append(rows, nil)
		}
		row := make([]any, len(rec))
		for i, c := range rec {
			row[i] = c
		}
		rows[line-1] = row
	}
}

// xlsxSheet is one sheet of a workbook built by mustXLSX.
type xlsxSheet struct {
	name string
	rows [][]any // a nil row is left empty
}

// mustXLSX builds a workbook with the sheets in order and returns its bytes.
func mustXLSX(t *testing.T, sheets ...xlsxSheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.rows {
			if row == nil {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(1, r+1)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetSheetRow(s.name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "roster", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// csvOf joins cells with sep and the rows with eol.
func csvOf(sep, eol string, rows [][]any) []byte {
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			if i > 0 {
				b.WriteString(sep)
			}
			fmt.Fprint(&b, c)
		}
		b.WriteString(eol)
	}
	return []byte(b.String())
}

func shiftLines(rows []RosterRow, n int) []RosterRow {
	out := slices.Clone(rows)
	for i := range out {
		out[i].Line += n
	}
	return out
}

// mustZip builds a zip archive holding one file.
func mustZip(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, content); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// utf16LE encodes s as Excel's "Unicode Text" does: UTF-16 little endian with a BOM.
func utf16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// parseRoster reads a roster as ReadRoster does and refuses it as the import would
// with no registry problems: every row, or none and the file's problems.
func parseRoster(r io.Reader) ([]RosterRow, error) {
	ro, err := ReadRoster(r)
	if err == nil {
		err = ro.Err()
	}
	if err != nil {
		return nil, err
	}
	return ro.Rows, nil
}

// TestReadRoster_KeepsRows: a roster with bad rows still gives every row, so that the
// import can look up their organizations in the same pass, and Err reports the
// file's problems with the registry's in the order of the file: by line, then column.
// Issue 10, point 7.
func TestReadRoster_KeepsRows(t *testing.T) {
	in := "Mã đảng viên;Họ và tên;Mã tổ chức;Chức vụ;Điện thoại\n" +
		"DV1;" + nameDuong + ";CB01;Bí thư;\n" +
		"DV2;" + nameDuc + ";CB-KHONG-CO;Chủ tịch;gọi sau\n" +
		"dv1;" + nameYen + ";CB02;;\n"
	ro, err := ReadRoster(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadRoster() error = %v, want the rows and their problems", err)
	}
	if len(ro.Rows) != 3 || ro.Rows[1].OrgRef != "CB-KHONG-CO" || ro.Rows[2].Code != "dv1" {
		t.Errorf("rows: got %+v, want all three as read", ro.Rows)
	}
	// What the registry finds, as the store reports it: appended after the row's own.
	unknown := ro.Rows[1].Problem("organization", CodeUnknown, "", ro.Rows[1].OrgRef)
	var ve *ValidationError
	if !errors.As(ro.Err(unknown), &ve) {
		t.Fatalf("Err() = %v, want a *ValidationError", ro.Err(unknown))
	}
	want := []FieldError{
		{Field: "organization", Code: CodeUnknown, Line: 3, Value: "CB-KHONG-CO"},
		{Field: "position", Code: CodeOneOf, Param: "secretary,deputy,member", Line: 3, Value: "Chủ tịch"},
		{Field: "phone", Code: CodeInvalid, Line: 3, Value: "gọi sau"},
		{Field: "code", Code: CodeDuplicate, Param: "2", Line: 4, Value: "dv1"},
	}
	if !slices.Equal(ve.Fields, want) {
		t.Errorf("Err() problems\ngot  %+v\nwant %+v", ve.Fields, want)
	}
	if err := (Roster{Rows: ro.Rows}).Err(); err != nil {
		t.Errorf("Err() of a roster without problems = %v, want nil", err)
	}
}

// TestReadRoster_Words: positions and yes/no cells are read as people write them in
// Vietnamese or English, with or without diacritics, in any case, typed decomposed or
// with a non-breaking space. Issue 10, point 7.
func TestReadRoster_Words(t *testing.T) {
	positions := map[string]Position{
		"Bí thư": PositionSecretary, "bi thu": PositionSecretary, "BÍ THƯ": PositionSecretary, "Bi\u0301 thu\u031b": PositionSecretary,
		"Bí thư chi bộ": PositionSecretary, "secretary": PositionSecretary,
		"Phó bí thư": PositionDeputy, "pho bi thu": PositionDeputy, "PHÓ BÍ THƯ": PositionDeputy,
		"Phó\u00a0Bí Thư": PositionDeputy, "deputy": PositionDeputy,
		"Đảng viên": PositionMember, "dang vien": PositionMember, "ĐẢNG VIÊN": PositionMember, "member": PositionMember, "": PositionMember,
	}
	flags := map[string]bool{
		"Có": true, "có": true, "CÓ": true, "co": true, "x": true, "X": true, "1": true, "yes": true, "Yes": true, "true": true, "TRUE": true,
		"Không": false, "không": false, "KHÔNG": false, "khong": false, "0": false, "no": false, "NO": false, "false": false, "False": false,
	}
	var b strings.Builder
	b.WriteString("Mã;Họ và tên;Tổ chức;Chức vụ;Miễn sinh hoạt;Hoạt động\n")
	var wantPos []Position
	var wantFlag []bool
	for word, pos := range positions {
		fmt.Fprintf(&b, "P%d;%s;CB01;%s;;\n", len(wantPos), nameDuc, word)
		wantPos, wantFlag = append(wantPos, pos), append(wantFlag, false)
	}
	n := len(wantPos)
	for word, v := range flags {
		fmt.Fprintf(&b, "F%d;%s;CB01;;%s;%s\n", len(wantFlag), nameDuc, word, word)
		wantPos, wantFlag = append(wantPos, PositionMember), append(wantFlag, v)
	}
	rows, err := parseRoster(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parseRoster() error = %v", err)
	}
	if len(rows) != len(wantPos) {
		t.Fatalf("got %d rows, want %d", len(rows), len(wantPos))
	}
	for i, r := range rows {
		active := true
		if i >= n {
			active = wantFlag[i]
		}
		if r.Position != wantPos[i] || r.Exempt != wantFlag[i] || r.Active != active {
			t.Errorf("line %d: got position %s, exempt %v, active %v; want %s, %v, %v", r.Line, r.Position, r.Exempt, r.Active,
				wantPos[i], wantFlag[i], active)
		}
	}
}
