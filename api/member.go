package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// memberJSON is a member as the API shows them. The PIN hash never leaves the store;
// hasPin says whether one is set.
type memberJSON struct {
	ID             int64               `json:"id"`
	Code           string              `json:"code"`
	FullName       string              `json:"fullName"`
	OrganizationID int64               `json:"organizationId"`
	Position       attendance.Position `json:"position"`
	Exempt         bool                `json:"exempt"`
	Phone          string              `json:"phone"`
	HasPIN         bool                `json:"hasPin"`
	Active         bool                `json:"active"`
	CreatedAt      time.Time           `json:"createdAt"`
	UpdatedAt      time.Time           `json:"updatedAt"`
}

func toMember(m attendance.Member) memberJSON {
	return memberJSON{ID: m.ID, Code: m.Code, FullName: m.FullName, OrganizationID: m.OrganizationID,
		Position: m.Position, Exempt: m.Exempt, Phone: m.Phone, HasPIN: m.PINHash != "", Active: m.Active,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

// memberInput is the body of POST and PATCH; in a PATCH absent fields keep their value.
// A PIN is write-only.
type memberInput struct {
	Code           *string              `json:"code"`
	FullName       *string              `json:"fullName"`
	OrganizationID *int64               `json:"organizationId"`
	Position       *attendance.Position `json:"position"`
	Exempt         *bool                `json:"exempt"`
	Phone          *string              `json:"phone"`
	PIN            *string              `json:"pin"`
	Active         *bool                `json:"active"`
}

func (in memberInput) apply(m *attendance.Member) (pin string) {
	set(&m.Code, in.Code)
	set(&m.FullName, in.FullName)
	set(&m.OrganizationID, in.OrganizationID)
	set(&m.Position, in.Position)
	set(&m.Exempt, in.Exempt)
	set(&m.Phone, in.Phone)
	set(&m.Active, in.Active)
	set(&pin, in.PIN)
	return pin
}

// handleMemberList handles GET /api/v1/members?organizationId=&subtree=&position=&active=&exempt=&q=.
func (s *Server) handleMemberList() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, _ := principal(c)
		q := newQuery(c)
		subtree := q.bool("subtree")
		f := attendance.MemberFilter{
			OrganizationID: q.int64("organizationId"),
			Subtree:        subtree != nil && *subtree,
			Position: attendance.Position(q.oneOf("position", string(attendance.PositionSecretary),
				string(attendance.PositionDeputy), string(attendance.PositionMember))),
			Active: q.bool("active"),
			Exempt: q.bool("exempt"),
			Query:  q.str("q", 100),
			Scope:  p.Scope(),
			Page:   q.page(),
		}
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		l, err := s.store.Members(c.Request.Context(), f)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toList(l, toMember))
	}
}

// handleMemberGet handles GET /api/v1/members/{id}.
func (s *Server) handleMemberGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		m, err := s.store.Member(c.Request.Context(), p.Scope(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toMember(m))
	}
}

// handleMemberCreate handles POST /api/v1/members. Members are active unless the
// request says otherwise.
func (s *Server) handleMemberCreate() gin.HandlerFunc {
	return func(c *gin.Context) {
		in, ok := decode[memberInput](s, c)
		if !ok {
			return
		}
		m := attendance.Member{Active: true}
		pin := in.apply(&m)
		if err := s.store.CreateMember(c.Request.Context(), &m, pin); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toMember(m))
	}
}

// handleMemberUpdate handles PATCH /api/v1/members/{id}.
func (s *Server) handleMemberUpdate() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		in, ok := decode[memberInput](s, c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		m, err := s.store.Member(ctx, attendance.Scope{All: true}, id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		pin := in.apply(&m)
		if err := s.store.UpdateMember(ctx, &m, pin); err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toMember(m))
	}
}

// handleMemberDelete handles DELETE /api/v1/members/{id}.
func (s *Server) handleMemberDelete() gin.HandlerFunc {
	return s.deleteBy(func(c *gin.Context, id int64) error {
		return s.store.DeleteMember(c.Request.Context(), id)
	})
}

// maxImportSize bounds a roster upload: 20 MiB holds far more than the 100,000 rows a
// roster may have.
const maxImportSize = 20 << 20

// handleMemberImport handles POST /api/v1/members/import (multipart field "file", CSV
// or XLSX). One bad row rejects the whole file with every problem of every row at once,
// by line, with the value found; importing again updates members by code.
func (s *Server) handleMemberImport() gin.HandlerFunc {
	type response struct {
		Created int `json:"created"`
		Updated int `json:"updated"`
		Total   int `json:"total"`
	}
	return func(c *gin.Context) {
		res, err := s.importRoster(c)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, response{Created: res.Created, Updated: res.Updated, Total: res.Created + res.Updated})
	}
}

// importRoster reads the uploaded roster of the request and imports it.
func (s *Server) importRoster(c *gin.Context) (attendance.ImportResult, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxImportSize+1<<20)
	fh, err := c.FormFile("file")
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return attendance.ImportResult{}, attendance.Invalid("file", attendance.CodeFileSize, "20 MiB")
	case errors.Is(err, http.ErrNotMultipart), errors.Is(err, http.ErrMissingBoundary):
		return attendance.ImportResult{}, errMediaType
	case err != nil:
		return attendance.ImportResult{}, attendance.Invalid("file", attendance.CodeRequired, "")
	case fh.Size > maxImportSize:
		return attendance.ImportResult{}, attendance.Invalid("file", attendance.CodeFileSize, "20 MiB")
	}
	f, err := fh.Open()
	if err != nil {
		return attendance.ImportResult{}, err
	}
	defer f.Close()
	roster, err := attendance.ReadRoster(f)
	if err != nil {
		return attendance.ImportResult{}, err
	}
	// The store reports the roster's own problems with the registry's, in one answer.
	return s.store.ImportMembers(c.Request.Context(), roster)
}
