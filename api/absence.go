package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// attachmentJSON is a supporting document of an absence request, without its bytes.
type attachmentJSON struct {
	ID          int64     `json:"id"`
	AbsenceID   int64     `json:"absenceId"`
	FileName    string    `json:"fileName"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"createdAt"`
}

func toAttachment(a attendance.AbsenceAttachment) attachmentJSON {
	return attachmentJSON{ID: a.ID, AbsenceID: a.AbsenceID, FileName: a.FileName, ContentType: a.ContentType,
		Size: a.Size, SHA256: a.SHA256, CreatedAt: a.CreatedAt}
}

// reviewJSON is one act of the supervisory committee on a request.
type reviewJSON struct {
	ID                int64                   `json:"id"`
	AbsenceID         int64                   `json:"absenceId"`
	ReviewerAccountID int64                   `json:"reviewerAccountId"`
	Action            attendance.ReviewAction `json:"action"`
	Note              string                  `json:"note"`
	CreatedAt         time.Time               `json:"createdAt"`
}

func toReview(r attendance.Review) reviewJSON {
	return reviewJSON{ID: r.ID, AbsenceID: r.AbsenceID, ReviewerAccountID: r.ReviewerAccountID, Action: r.Action,
		Note: r.Note, CreatedAt: r.CreatedAt}
}

// absenceJSON is an absence request (or explanation) as lists show it.
type absenceJSON struct {
	ID                 int64                      `json:"id"`
	ConferenceID       int64                      `json:"conferenceId"`
	ConferenceTitle    string                     `json:"conferenceTitle"`
	MemberID           int64                      `json:"memberId"`
	MemberCode         string                     `json:"memberCode"`
	MemberName         string                     `json:"memberName"`
	Position           attendance.Position        `json:"position"`
	OrganizationID     int64                      `json:"organizationId"`
	PointID            int64                      `json:"pointId"`
	Kind               attendance.AbsenceKind     `json:"kind"`
	Category           attendance.AbsenceCategory `json:"category"`
	Reason             string                     `json:"reason"`
	Status             attendance.DecisionStatus  `json:"status"`
	FiledByAccountID   *int64                     `json:"filedByAccountId"`
	FiledByMemberID    *int64                     `json:"filedByMemberId"`
	DecidedByAccountID *int64                     `json:"decidedByAccountId"`
	DecidedByMemberID  *int64                     `json:"decidedByMemberId"`
	DecidedAt          *time.Time                 `json:"decidedAt"`
	DecisionNote       string                     `json:"decisionNote"`
	Overturned         bool                       `json:"overturned"`
	CreatedAt          time.Time                  `json:"createdAt"`
	UpdatedAt          time.Time                  `json:"updatedAt"`
}

func toAbsence(v attendance.AbsenceView) absenceJSON {
	a := v.AbsenceRequest
	return absenceJSON{ID: a.ID, ConferenceID: a.ConferenceID, ConferenceTitle: v.ConferenceTitle, MemberID: a.MemberID,
		MemberCode: v.MemberCode, MemberName: v.FullName, Position: v.Position, OrganizationID: v.OrganizationID,
		PointID: v.PointID, Kind: a.Kind, Category: a.Category, Reason: a.Reason, Status: a.Status,
		FiledByAccountID: a.FiledByAccountID, FiledByMemberID: a.FiledByMemberID, DecidedByAccountID: a.DecidedByAccountID,
		DecidedByMemberID: a.DecidedByMemberID, DecidedAt: a.DecidedAt, DecisionNote: a.DecisionNote,
		Overturned: a.Overturned, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// absenceDetailJSON is one request with its documents and, for staff, the reviews of
// the supervisory committee.
type absenceDetailJSON struct {
	absenceJSON
	Attachments []attachmentJSON `json:"attachments"`
	Reviews     []reviewJSON     `json:"reviews"`
}

func toAbsenceDetail(v attendance.AbsenceView, reviews []attendance.Review) absenceDetailJSON {
	out := absenceDetailJSON{absenceJSON: toAbsence(v), Attachments: []attachmentJSON{}, Reviews: []reviewJSON{}}
	for _, a := range v.Attachments {
		out.Attachments = append(out.Attachments, toAttachment(a))
	}
	for _, r := range reviews {
		out.Reviews = append(out.Reviews, toReview(r))
	}
	return out
}

// The multipart field that carries supporting documents, and the store's name for it.
const (
	filesField      = "files"
	attachmentField = "attachments"
)

// parseUpload reads a multipart body, bounded by the largest one the route takes (the
// body limit of every request bounds it further). A request that is not multipart is
// 415; one over the bound, 413.
func parseUpload(c *gin.Context) error {
	if c.Request.MultipartForm != nil {
		return nil // the CSRF check of a cookie request read it already
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, attendance.MaxAttachments*attendance.MaxAttachmentSize+1<<20)
	err := c.Request.ParseMultipartForm(32 << 20)
	var maxErr *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &maxErr):
		return errTooLarge
	case errors.Is(err, http.ErrNotMultipart), errors.Is(err, http.ErrMissingBoundary):
		return errMediaType
	}
	return errors.Join(errMalformed, err)
}

// readAttachments reads the files of the multipart field "files", typed by their
// bytes (detectType), never by their names. It reads at most one byte past the size
// limit of each, so an oversize file is reported by the record's own check without
// being held whole.
func readAttachments(c *gin.Context) ([]attendance.AbsenceAttachment, error) {
	if c.Request.MultipartForm == nil {
		return nil, nil
	}
	fhs := c.Request.MultipartForm.File[filesField]
	out := make([]attendance.AbsenceAttachment, 0, len(fhs))
	var bad []attendance.FieldError
	for i, fh := range fhs {
		name := filepath.Base(fh.Filename)
		if !attendance.StorableText(name) {
			bad = append(bad, attendance.FieldError{Field: filesField + "[" + strconv.Itoa(i) + "].fileName", Code: attendance.CodeInvalid})
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, attendance.MaxAttachmentSize+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, attendance.AbsenceAttachment{FileName: name, ContentType: detectType(data), Data: data})
	}
	if len(bad) > 0 {
		return nil, &attendance.ValidationError{Fields: bad}
	}
	return out, nil
}

// filesProblems renames the store's "attachments" fields to the multipart field
// "files" the client sent, so problems name what the client can fix.
func filesProblems(err error) error {
	var ve *attendance.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &attendance.ValidationError{Fields: make([]attendance.FieldError, len(ve.Fields))}
	for i, f := range ve.Fields {
		if rest, ok := strings.CutPrefix(f.Field, attachmentField); ok {
			f.Field = filesField + rest
		}
		out.Fields[i] = f
	}
	return out
}

// uploadProblem is the problem for err, with the file messages of supporting
// documents (which are not rosters) in words that fit them.
func (s *Server) uploadProblem(err error, lang string) problem {
	p := s.problemFor(err, lang)
	for i, f := range p.Errors {
		if strings.HasPrefix(f.Field, filesField) && (f.Code == attendance.CodeFileType || f.Code == attendance.CodeEmptyFile) {
			p.Errors[i].Message = s.i18n.T(lang, "absence.field."+f.Code)
		}
	}
	return p
}

// respondUploadError answers err like respondError, with uploadProblem's messages.
func (s *Server) respondUploadError(c *gin.Context, err error) {
	var ve *attendance.ValidationError
	if !errors.As(err, &ve) {
		s.respondError(c, err)
		return
	}
	writeProblem(c, s.uploadProblem(err, lang(c)))
}

// absenceForm reads a multipart absence request: the fields conferenceId (unless
// conferenceID is given, as a page's address gives it), memberId, category and
// reason, and the files.
func absenceForm(c *gin.Context, conferenceID int64) (attendance.AbsenceInput, error) {
	var in attendance.AbsenceInput
	var bad []attendance.FieldError
	num := func(name string) int64 {
		v := strings.TrimSpace(c.PostForm(name))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad = append(bad, attendance.FieldError{Field: name, Code: attendance.CodeInvalid})
			return 0
		}
		return n
	}
	text := func(name string) string {
		v := c.PostForm(name)
		if !attendance.StorableText(v) {
			bad = append(bad, attendance.FieldError{Field: name, Code: attendance.CodeInvalid})
			return ""
		}
		return v
	}
	in.ConferenceID, in.MemberID = conferenceID, num("memberId")
	if conferenceID == 0 {
		in.ConferenceID = num("conferenceId")
	}
	in.Category, in.Reason = attendance.AbsenceCategory(text("category")), text("reason")
	files, err := readAttachments(c)
	var ve *attendance.ValidationError
	switch {
	case errors.As(err, &ve):
		bad = append(bad, ve.Fields...)
	case err != nil:
		return in, err
	}
	in.Attachments = files
	if len(bad) > 0 {
		return in, mergeProblems(bad, in.Validate())
	}
	return in, nil
}

// mergeProblems adds the record's own problems (from check, already run) to those of
// values that did not parse, once per field, so the user sees them all at once.
func mergeProblems(bad []attendance.FieldError, check error) error {
	fields := append([]attendance.FieldError(nil), bad...)
	var ve *attendance.ValidationError
	if errors.As(check, &ve) {
		for _, f := range filesProblems(check).(*attendance.ValidationError).Fields {
			seen := false
			for _, b := range bad {
				seen = seen || b.Field == f.Field
			}
			if !seen {
				fields = append(fields, f)
			}
		}
	}
	return &attendance.ValidationError{Fields: fields}
}

// isMultipart reports whether the request's body is a multipart form.
func isMultipart(c *gin.Context) bool {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// handleAbsenceCreate handles POST /api/v1/absences: JSON {"conferenceId","memberId",
// "category","reason"}, or the same fields as a multipart form with up to five PDF or
// image files "files". memberId defaults to the caller's own. Nothing is stored when
// anything is wrong.
func (s *Server) handleAbsenceCreate() gin.HandlerFunc {
	type request struct {
		ConferenceID int64  `json:"conferenceId"`
		MemberID     int64  `json:"memberId"`
		Category     string `json:"category"`
		Reason       string `json:"reason"`
	}
	return func(c *gin.Context) {
		var in attendance.AbsenceInput
		if isMultipart(c) {
			if err := parseUpload(c); err != nil {
				s.respondError(c, err)
				return
			}
			var err error
			if in, err = absenceForm(c, 0); err != nil {
				s.respondUploadError(c, err)
				return
			}
		} else {
			req, ok := decode[request](s, c)
			if !ok {
				return
			}
			if req.MemberID < 0 {
				s.respondError(c, attendance.Invalid("memberId", attendance.CodeInvalid, ""))
				return
			}
			in = attendance.AbsenceInput{ConferenceID: req.ConferenceID, MemberID: req.MemberID,
				Category: attendance.AbsenceCategory(req.Category), Reason: req.Reason}
		}
		p, _ := principal(c)
		ctx := c.Request.Context()
		a, err := s.store.FileAbsence(ctx, p, in)
		if err != nil {
			s.respondUploadError(c, filesProblems(err))
			return
		}
		v, err := s.store.Absence(ctx, attendance.Scope{All: true}, a.ID)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toAbsenceDetail(v, nil))
	}
}

// absenceStatuses and absenceKinds are the values list filters accept.
var (
	absenceStatuses = []string{string(attendance.DecisionPending), string(attendance.DecisionApproved),
		string(attendance.DecisionRejected), string(attendance.DecisionWithdrawn)}
	absenceKinds = []string{string(attendance.KindRequest), string(attendance.KindExplanation)}
)

// handleAbsenceList handles GET /api/v1/absences?conferenceId=&memberId=&status=&kind=
// &organizationId=&from=&to=&page=&pageSize=, within the caller's scope: a member's
// own, a chair's organizations and points, everything for staff. from and to bound the
// conference's start.
func (s *Server) handleAbsenceList() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, _ := principal(c)
		q := newQuery(c)
		f := attendance.AbsenceFilter{
			ConferenceID: q.int64("conferenceId"),
			MemberID:     q.int64("memberId"),
			Status:       attendance.DecisionStatus(q.oneOf("status", absenceStatuses...)),
			Kind:         attendance.AbsenceKind(q.oneOf("kind", absenceKinds...)),
			From:         q.time("from"),
			To:           q.time("to"),
			Scope:        p.Scope(),
			Page:         q.page(),
		}
		if org := q.int64("organizationId"); org > 0 {
			f.OrganizationIDs = []int64{org}
		}
		if err := q.err(); err != nil {
			s.respondError(c, err)
			return
		}
		l, err := s.store.Absences(c.Request.Context(), f)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toList(l, toAbsence))
	}
}

// handleAbsenceGet handles GET /api/v1/absences/{id}: the request with its documents;
// staff also see the supervisory committee's reviews.
func (s *Server) handleAbsenceGet() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		p, _ := principal(c)
		ctx := c.Request.Context()
		v, err := s.store.Absence(ctx, p.Scope(), id)
		if err != nil {
			s.respondError(c, err)
			return
		}
		var reviews []attendance.Review
		if p.Staff() {
			if reviews, err = s.store.Reviews(ctx, id); err != nil {
				s.respondError(c, err)
				return
			}
		}
		c.JSON(http.StatusOK, toAbsenceDetail(v, reviews))
	}
}

// handleAbsenceAttachment handles GET /api/v1/absences/{id}/attachments/{aid}: the
// file, with the type detected when it was uploaded.
func (s *Server) handleAbsenceAttachment() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		aid, ok := s.idParam(c, "aid")
		if !ok {
			return
		}
		p, _ := principal(c)
		f, err := s.store.AbsenceAttachment(c.Request.Context(), p.Scope(), aid)
		if err == nil && f.AbsenceID != id {
			err = attendance.ErrNotFound
		}
		if err != nil {
			s.respondError(c, err)
			return
		}
		// The stored type, never one guessed from the name: a file named x.html must
		// not become a page of this site.
		c.Header("Content-Type", f.ContentType)
		c.Header("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": f.FileName}))
		c.Header("X-Content-Type-Options", "nosniff")
		c.Header("Cache-Control", "private, no-store")
		http.ServeContent(c.Writer, c.Request, f.FileName, f.CreatedAt, bytes.NewReader(f.Data))
	}
}

// handleAbsenceAttach handles POST /api/v1/absences/{id}/attachments (multipart
// "files"): more documents for a pending request, by its member or whoever filed it.
func (s *Server) handleAbsenceAttach() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		if err := parseUpload(c); err != nil {
			s.respondError(c, err)
			return
		}
		files, err := readAttachments(c)
		if err == nil && len(files) == 0 {
			err = attendance.Invalid(filesField, attendance.CodeRequired, "")
		}
		if err != nil {
			s.respondUploadError(c, err)
			return
		}
		p, _ := principal(c)
		added, err := s.store.AddAbsenceAttachments(c.Request.Context(), p, id, files)
		if err != nil {
			s.respondUploadError(c, filesProblems(err))
			return
		}
		out := make([]attachmentJSON, len(added))
		for i, a := range added {
			out[i] = toAttachment(a)
		}
		c.JSON(http.StatusCreated, gin.H{"items": out})
	}
}

// handleAbsenceReview handles POST /api/v1/absences/{id}/reviews {"action":
// "reviewed"|"flagged"|"overturned","note"}: the supervisory committee's act; a note is
// required to flag or overturn.
func (s *Server) handleAbsenceReview() gin.HandlerFunc {
	type request struct {
		Action string `json:"action"`
		Note   string `json:"note"`
	}
	return func(c *gin.Context) {
		id, ok := s.idParam(c, "id")
		if !ok {
			return
		}
		req, ok := decode[request](s, c)
		if !ok {
			return
		}
		p, _ := principal(c)
		r, err := s.store.ReviewAbsence(c.Request.Context(), p, id, attendance.ReviewAction(req.Action), req.Note)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, toReview(r))
	}
}

// people names the accounts and members who filed or decided requests, looking each
// up once per request.
type people struct {
	s        *Server
	ctx      context.Context
	accounts map[int64]string
	members  map[int64]string
}

func (s *Server) people(ctx context.Context) *people {
	return &people{s: s, ctx: ctx, accounts: map[int64]string{}, members: map[int64]string{}}
}

// name returns the name of an account (when account is set) or else a member; "" when
// neither is set.
func (n *people) name(account, member *int64) string {
	switch {
	case account != nil:
		id := *account
		if v, ok := n.accounts[id]; ok {
			return v
		}
		v := "#" + strconv.FormatInt(id, 10)
		if a, err := n.s.store.Account(n.ctx, id); err == nil {
			v = a.DisplayName
			if v == "" {
				v = a.Login
			}
		}
		n.accounts[id] = v
		return v
	case member != nil:
		id := *member
		if v, ok := n.members[id]; ok {
			return v
		}
		v := "#" + strconv.FormatInt(id, 10)
		if m, err := n.s.store.Member(n.ctx, attendance.Scope{All: true}, id); err == nil {
			v = m.FullName
		}
		n.members[id] = v
		return v
	}
	return ""
}
