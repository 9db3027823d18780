package attendance

import (
	"errors"
	"strings"
	"time"
)

// ErrSecretDocument means the document is classed secret and is never served online.
var ErrSecretDocument = errors.New("secret document")

// MaxDocumentSize bounds an uploaded conference document.
const MaxDocumentSize = 25 << 20

// DocumentTypes are the content types accepted for conference materials, detected
// from the bytes, never from the file name.
var DocumentTypes = map[string]string{
	"application/pdf": "pdf",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       "xlsx",
	"image/png":  "png",
	"image/jpeg": "jpg",
}

// Document is a conference material. The file is kept in the database, so every
// instance serves it and one backup holds everything. A secret document is listed for
// the organizer but never served online.
type Document struct {
	ID           int64  `gorm:"primaryKey"`
	ConferenceID int64  `gorm:"not null;index"`
	Title        string `gorm:"size:300;not null"`
	FileName     string `gorm:"size:255;not null"`
	ContentType  string `gorm:"size:100;not null"`
	Size         int64  `gorm:"not null"`
	SHA256       string `gorm:"column:sha256;size:64;not null"`
	Secret       bool   `gorm:"not null"`
	Data         []byte `gorm:"not null"`
	ByAccountID  *int64
	CreatedAt    time.Time
}

// Normalize trims the document's text.
func (d *Document) Normalize() {
	d.Title = strings.TrimSpace(d.Title)
	d.FileName = strings.TrimSpace(d.FileName)
	if d.Title == "" {
		d.Title = d.FileName
	}
}

// Validate checks the document's fields; ContentType must already be detected.
func (d *Document) Validate() error {
	var p problems
	p.text("title", d.Title, true, 300)
	p.text("fileName", d.FileName, false, 255)
	if _, ok := DocumentTypes[d.ContentType]; !ok {
		p.add("file", CodeFileType, "pdf,docx,xlsx,png,jpg")
	}
	if d.Size == 0 {
		p.add("file", CodeEmptyFile, "")
	} else if d.Size > MaxDocumentSize {
		p.add("file", CodeFileSize, "25 MiB")
	}
	return p.err()
}

// ReadReceipt records that a member opened a document (first and last time, and how
// often).
type ReadReceipt struct {
	DocumentID int64 `gorm:"primaryKey"`
	MemberID   int64 `gorm:"primaryKey;index"`
	PointID    int64 `gorm:"not null"`
	FirstAt    time.Time
	LastAt     time.Time
	Opens      int `gorm:"not null"`
}

// MaterialsStatus is, for one invited member, whether they opened the materials.
type MaterialsStatus struct {
	InvitationView
	DocumentsOpened int64
	LastOpenedAt    *time.Time
}
