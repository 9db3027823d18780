// Package testroster writes the roster workbooks too large to be rosters that tests
// and measurements need: a sheet of a million rows, cells padded with whitespace. Each
// is written straight into a small zip, as some export tools write them, without
// holding the sheet's XML in memory.
package testroster

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// ManyRows returns a workbook whose one sheet has a roster header and rows data rows
// of unique members, each a valid roster line: a numeric code and two shared strings.
func ManyRows(rows int) ([]byte, error) {
	return workbook([]string{"Mã đảng viên", "Họ và tên", "Mã tổ chức", "Nguyễn Văn Người", "CB01"}, func(w *bufio.Writer) {
		w.WriteString(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`)
		var b []byte
		for i := 2; i <= rows+1; i++ {
			n := strconv.Itoa(i)
			b = append(b[:0], `<row r="`...)
			b = append(b, n...)
			b = append(b, `"><c r="A`...)
			b = append(b, n...)
			b = append(b, `"><v>`...)
			b = strconv.AppendInt(b, int64(1_000_000+i), 10)
			b = append(b, `</v></c><c r="B`...)
			b = append(b, n...)
			b = append(b, `" t="s"><v>3</v></c><c r="C`...)
			b = append(b, n...)
			b = append(b, `" t="s"><v>4</v></c></row>`...)
			w.Write(b)
		}
	})
}

// Padding is where PaddedCells puts its whitespace.
type Padding int

const (
	// InCells pads the name of every data row with pad spaces after it, row after row.
	InCells Padding = iota
	// OneCell pads the name of the first data row with all the spaces.
	OneCell
	// BetweenCells puts the spaces between the cells of every data row, outside them.
	BetweenCells
)

// PaddedCells returns a workbook whose one sheet has a roster header and data rows
// padded with spaces where says, pad spaces at a time, until its XML is about size
// bytes unzipped.
func PaddedCells(where Padding, size, pad int) ([]byte, error) {
	spaces := bytes.Repeat([]byte(" "), 64<<10)
	writeSpaces := func(w *bufio.Writer, n int) {
		for n > 0 {
			k := min(n, len(spaces))
			w.Write(spaces[:k])
			n -= k
		}
	}
	return workbook(nil, func(w *bufio.Writer) {
		w.WriteString(`<row r="1">` + inline("A1", "Mã đảng viên") + inline("B1", "Họ và tên") + inline("C1", "Mã tổ chức") + `</row>`)
		written := 0
		for r := 2; written < size; r++ {
			n := strconv.Itoa(r)
			code := inline("A"+n, fmt.Sprintf("DV%07d", r))
			org := inline("C"+n, "CB01")
			w.WriteString(`<row r="` + n + `">` + code)
			k := min(pad, size-written)
			if where == OneCell {
				k = size
			}
			switch where {
			case BetweenCells:
				writeSpaces(w, k)
				w.WriteString(inline("B"+n, "Nguyễn Văn Người"))
			default:
				w.WriteString(`<c r="B` + n + `" t="inlineStr"><is><t xml:space="preserve">Nguyễn Văn Người`)
				writeSpaces(w, k)
				w.WriteString(`</t></is></c>`)
			}
			w.WriteString(org + `</row>`)
			written += k
		}
	})
}

// inline is a cell of text written in the sheet.
func inline(ref, text string) string {
	return `<c r="` + ref + `" t="inlineStr"><is><t>` + text + `</t></is></c>`
}

// workbook writes a workbook of one sheet, "Danh sách", whose rows writeRows writes,
// with shared strings when there are any.
func workbook(shared []string, writeRows func(w *bufio.Writer)) ([]byte, error) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	ct := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	rels := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	if len(shared) > 0 {
		ct += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	}
	parts := []struct{ name, text string }{
		{"[Content_Types].xml", ct + `</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
			`</Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", rels + `</Relationships>`},
	}
	if len(shared) > 0 {
		var sst bytes.Buffer
		fmt.Fprintf(&sst, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
			`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(shared), len(shared))
		for _, s := range shared {
			sst.WriteString(`<si><t>` + s + `</t></si>`)
		}
		sst.WriteString(`</sst>`)
		parts = append(parts, struct{ name, text string }{"xl/sharedStrings.xml", sst.String()})
	}
	for _, p := range parts {
		w, err := z.Create(p.name)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, p.text); err != nil {
			return nil, err
		}
	}
	sheet, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(sheet, 256<<10)
	w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	writeRows(w)
	w.WriteString(`</sheetData></worksheet>`)
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
