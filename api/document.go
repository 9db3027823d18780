package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gabriel-vasile/mimetype"
	"github.com/gin-gonic/gin"
)

// documentJSON is a conference document without its bytes.
type documentJSON struct {
	ID           int64     `json:"id"`
	ConferenceID int64     `json:"conferenceId"`
	Title        string    `json:"title"`
	FileName     string    `json:"fileName"`
	ContentType  string    `json:"contentType"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	Secret       bool      `json:"secret"`
	CreatedAt    time.Time `json:"createdAt"`
}

func toDocument(d attendance.Document) documentJSON {
	return documentJSON{ID: d.ID, ConferenceID: d.ConferenceID, Title: d.Title, FileName: d.FileName,
		ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256, Secret: d.Secret, CreatedAt: d.CreatedAt}
}

// detectType names a document's type from its bytes; the file name is not trusted.
func detectType(b []byte) string {
	mt := mimetype.Detect(b)
	for m := mt; m != nil; m = m.Parent() {
		if _, ok := attendance.DocumentTypes[m.String()]; ok {
			return m.String()
		}
	}
	base, _, _ := mime.ParseMediaType(mt.String())
	return base
}

// handleDocumentUpload handles POST /api/v1/conferences/{id}/documents (multipart:
// file, title, secret): PDF, DOCX, XLSX, PNG or JPEG up to 25 MiB, typed by content.
func (s *Server) handleDocumentUpload() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		d, err := s.uploadDocument(c, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toDocument(d))
	}
}

// uploadDocument stores the document uploaded with the request for a conference.
func (s *Server) uploadDocument(c *gin.Context, conferenceID int64) (attendance.Document, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, attendance.MaxDocumentSize+1<<20)
	fh, err := c.FormFile("file")
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return attendance.Document{}, attendance.Invalid("file", attendance.CodeFileSize, "25 MiB")
	case errors.Is(err, http.ErrNotMultipart), errors.Is(err, http.ErrMissingBoundary):
		return attendance.Document{}, errMediaType
	case err != nil:
		return attendance.Document{}, attendance.Invalid("file", attendance.CodeRequired, "")
	case fh.Size > attendance.MaxDocumentSize:
		return attendance.Document{}, attendance.Invalid("file", attendance.CodeFileSize, "25 MiB")
	}
	f, err := fh.Open()
	if err != nil {
		return attendance.Document{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, attendance.MaxDocumentSize+1))
	f.Close()
	if err != nil {
		return attendance.Document{}, err
	}
	p, _ := principal(c)
	secret := c.PostForm("secret")
	d := attendance.Document{ConferenceID: conferenceID, Title: c.PostForm("title"), FileName: filepath.Base(fh.Filename),
		ContentType: detectType(data), Data: data, Secret: secret == "true" || secret == "on"}
	// Form fields skip the JSON decoder's check for text.
	for field, v := range map[string]string{"title": d.Title, "fileName": d.FileName} {
		if !attendance.StorableText(v) {
			return attendance.Document{}, attendance.Invalid(field, attendance.CodeInvalid, "")
		}
	}
	if p.AccountID != 0 {
		d.ByAccountID = &p.AccountID
	}
	if err := s.store.CreateDocument(c.Request.Context(), &d); err != nil {
		return d, err
	}
	return d, nil
}

// handleDocumentList handles GET /api/v1/conferences/{id}/documents: secret documents
// are listed for staff only. An approved substitute lists them too (docs/design.md §13).
func (s *Server) handleDocumentList() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		conf, err := s.store.MaterialsConference(c.Request.Context(), p, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		ds, err := s.store.Documents(c.Request.Context(), conf.ID, p.Staff())
		if err != nil {
			s.respondError(c, err)
			return
		}
		out := make([]documentJSON, len(ds))
		for i, d := range ds {
			out[i] = toDocument(d)
		}
		c.JSON(http.StatusOK, gin.H{"items": out})
	}
}

// handleDocumentGet handles GET /api/v1/documents/{id}: the file itself, never for a
// secret document, to those who see its conference and to an approved substitute
// (docs/design.md §13); a member's or chair's opening records a read receipt.
func (s *Server) handleDocumentGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		ctx := c.Request.Context()
		d, err := s.store.Document(ctx, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		p, _ := principal(c)
		if _, err := s.store.MaterialsConference(ctx, p, d.ConferenceID); err != nil {
			s.respondError(c, err)
			return
		}
		s.serveDocument(c, d, p.MemberID, 0)
	}
}

// serveDocument sends a document's bytes, recording a read receipt for memberID when
// set and invited, or the approved substitute of an invited member — whose reading
// counts for that member's invitation (docs/design.md §13) — at pointID (0: the point
// the reading counts for).
func (s *Server) serveDocument(c *gin.Context, d attendance.Document, memberID, pointID int64) {
	if d.Secret {
		s.respondError(c, attendance.ErrSecretDocument)
		return
	}
	ctx := c.Request.Context()
	if memberID != 0 {
		at, err := s.store.ReadingPoint(ctx, d.ConferenceID, memberID)
		if err == nil {
			if pointID == 0 {
				pointID = at
			}
			if err := s.store.RecordRead(ctx, d.ID, memberID, pointID); err != nil {
				s.log.WarnContext(ctx, "read receipt", "document", d.ID, "err", err)
			}
		}
	}
	// The type detected at upload, never one guessed from the file name: a document
	// named x.html must not become a page of this site.
	c.Header("Content-Type", d.ContentType)
	c.Header("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": d.FileName}))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "private, no-store")
	http.ServeContent(c.Writer, c.Request, d.FileName, d.CreatedAt, bytes.NewReader(d.Data))
}

// handleDocumentDelete handles DELETE /api/v1/documents/{id}.
func (s *Server) handleDocumentDelete() gin.HandlerFunc {
	return s.deleteBy(func(c *gin.Context, id int64) error {
		return s.store.DeleteDocument(c.Request.Context(), id)
	})
}

// handlePointMaterials handles GET /api/v1/points/{id}/materials: for each invitee,
// how many documents they opened.
func (s *Server) handlePointMaterials() gin.HandlerFunc {
	type entryJSON struct {
		invitationJSON
		DocumentsOpened int64      `json:"documentsOpened"`
		LastOpenedAt    *time.Time `json:"lastOpenedAt"`
	}
	return func(c *gin.Context) {
		pt, ok := s.chairPoint(c, "id")
		if !ok {
			return
		}
		ms, err := s.store.PointMaterials(c.Request.Context(), pt.ID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		out := make([]entryJSON, len(ms))
		opened := 0
		for i, m := range ms {
			out[i] = entryJSON{invitationJSON: toInvitation(m.InvitationView), DocumentsOpened: m.DocumentsOpened, LastOpenedAt: m.LastOpenedAt}
			if m.DocumentsOpened > 0 {
				opened++
			}
		}
		c.JSON(http.StatusOK, gin.H{"items": out, "opened": opened, "notOpened": len(ms) - opened})
	}
}
