package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	"github.com/diemcau/diemcau/bridge"
	"github.com/gin-gonic/gin"
)

// errorStatus is the one table from errors to HTTP statuses and problem types. The
// first match wins; anything unmatched is a 500 "internal".
var errorStatus = []struct {
	err    error
	status int
	kind   string
}{
	{attendance.ErrInvalid, http.StatusUnprocessableEntity, "validation"},
	{attendance.ErrNotFound, http.StatusNotFound, "not-found"},
	{attendance.ErrConflict, http.StatusConflict, "conflict"},
	{attendance.ErrInvalidTransition, http.StatusConflict, "invalid-transition"},
	{attendance.ErrBadCredentials, http.StatusUnauthorized, "bad-credentials"},
	{attendance.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{attendance.ErrForbidden, http.StatusForbidden, "forbidden"},
	{attendance.ErrLocked, http.StatusTooManyRequests, "locked"},
	{attendance.ErrThrottled, http.StatusTooManyRequests, "throttled"},
	{errRateLimited, http.StatusTooManyRequests, "rate-limited"},
	{errMalformed, http.StatusBadRequest, "malformed"},
	{errTooLarge, http.StatusRequestEntityTooLarge, "too-large"},
	{errMediaType, http.StatusUnsupportedMediaType, "unsupported-media-type"},
	{errCSRF, http.StatusForbidden, "csrf"},
	{bridge.ErrTokenMalformed, http.StatusBadRequest, "token-malformed"},
	{bridge.ErrTokenForged, http.StatusForbidden, "token-forged"},
	{bridge.ErrTokenExpired, http.StatusGone, "token-expired"},
	{bridge.ErrTokenNotYetValid, http.StatusTooEarly, "token-not-yet-valid"},
	{bridge.ErrTokenKind, http.StatusBadRequest, "token-kind"},
	{bridge.ErrTokenConference, http.StatusBadRequest, "token-conference"},
	{attendance.ErrNotInvited, http.StatusForbidden, "not-invited"},
	{attendance.ErrCheckinNotOpen, http.StatusConflict, "checkin-not-open"},
	{attendance.ErrCheckinClosed, http.StatusGone, "checkin-closed"},
	{attendance.ErrKeyReused, http.StatusConflict, "key-reused"},
	{attendance.ErrUndone, http.StatusConflict, "undone"},
	{attendance.ErrRollCallClosed, http.StatusGone, "rollcall-closed"},
	{attendance.ErrRollCallOpen, http.StatusConflict, "rollcall-open"},
	{attendance.ErrSecretDocument, http.StatusForbidden, "secret-document"},
	{attendance.ErrDeadline, http.StatusConflict, "deadline"},
	{attendance.ErrSelfApproval, http.StatusForbidden, "self-approval"},
	{attendance.ErrAlreadyDecided, http.StatusConflict, "already-decided"},
	{attendance.ErrNotApprover, http.StatusForbidden, "not-approver"},
	{attendance.ErrCheckedIn, http.StatusConflict, "checked-in"},
	{bridge.ErrBadOffer, http.StatusUnprocessableEntity, "bad-offer"},
	{bridge.ErrBadConnID, http.StatusUnprocessableEntity, "bad-offer"},
	{bridge.ErrSessionMismatch, http.StatusConflict, "connection-mismatch"},
	{bridge.ErrConnGone, http.StatusGone, "connection-gone"},
	{bridge.ErrNotConnected, http.StatusNotFound, "console-offline"},
	{bridge.ErrNoVideo, http.StatusNotFound, "no-video"},
	{bridge.ErrConsolesOff, http.StatusServiceUnavailable, "consoles-off"},
	{attendance.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
}

// Errors of the HTTP layer itself.
var (
	errRateLimited = errors.New("rate limited")
	errMalformed   = errors.New("malformed request")
	errTooLarge    = errors.New("request too large")
	errMediaType   = errors.New("unsupported media type")
	errCSRF        = errors.New("missing or wrong CSRF token")
)

// problem is an RFC 9457 problem details document.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Errors []fieldProblem `json:"errors,omitempty"`
}

// fieldProblem is one problem with one field (and, in an import, one line and the
// value found there).
type fieldProblem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Line    int    `json:"line,omitempty"`
	Param   string `json:"param,omitempty"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

// problemFor builds the problem document for err in lang.
func (s *Server) problemFor(err error, lang string) problem {
	status, kind := http.StatusInternalServerError, "internal"
	for _, e := range errorStatus {
		if errors.Is(err, e.err) {
			status, kind = e.status, e.kind
			break
		}
	}
	p := problem{Type: "/problems/" + kind, Title: s.i18n.T(lang, "problem."+kind), Status: status}
	// A member at a sign-in is told how many tries are left, or until when the lock
	// or the throttle lasts.
	var (
		bad       *attendance.BadCredentialsError
		locked    *attendance.LockedError
		throttled *attendance.ThrottledError
	)
	switch {
	case errors.As(err, &bad):
		p.Detail = s.i18n.T(lang, "problem.bad-credentials.left", map[string]any{"Count": bad.TriesLeft})
	case errors.As(err, &locked):
		p.Detail = s.i18n.T(lang, "problem.locked.until", map[string]any{"Until": locked.Until.In(attendance.VietnamTime).Format("15:04")})
	case errors.As(err, &throttled):
		p.Detail = s.i18n.T(lang, "problem.throttled.until", map[string]any{"Until": throttled.Until.In(attendance.VietnamTime).Format("15:04:05")})
	}
	var ve *attendance.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			p.Errors = append(p.Errors, fieldProblem{Field: f.Field, Code: f.Code, Line: f.Line, Param: f.Param, Value: f.Value,
				Message: s.fieldMessage(lang, f)})
		}
	}
	return p
}

// fieldMessage words one field problem in lang: "field.<code>", filled with its Param.
// A problem at a line is a cell (or a line) of an imported file (docs/design.md §20.2),
// and its message says which — line, column, the value found — and the rule as the
// person filling the file meets it: "import.rule.<field>.<code>", else the code's own
// ("import.rule.<code>", with a variant named by Param first, as "column" for a column
// missing from the header). A cell's rule is not the JSON field's: a position cell
// takes "Bí thư" where the JSON field takes "secretary".
func (s *Server) fieldMessage(lang string, f attendance.FieldError) string {
	data := map[string]any{"Param": f.Param, "Value": f.Value}
	if f.Line == 0 {
		return s.i18n.T(lang, "field."+f.Code, data)
	}
	rule := s.i18n.First(lang, data, "import.rule."+f.Code+"."+f.Param, "import.rule."+f.Field+"."+f.Code,
		"import.rule."+f.Code, "field."+f.Code)
	if f.Field == "file" {
		return s.i18n.T(lang, "import.problem.file", map[string]any{"Line": f.Line, "Rule": rule})
	}
	return s.i18n.T(lang, "import.problem", map[string]any{"Line": f.Line, "Column": s.i18n.T(lang, "import.col."+f.Field),
		"Value": f.Value, "Rule": rule})
}

// respondError answers with the problem for err. A 5xx is logged in full and answered
// "internal error" without the cause.
func (s *Server) respondError(c *gin.Context, err error) {
	if wantsHTML(c) {
		// A person at a page gets a page, not a JSON document.
		s.pageFail(c, err)
		c.Abort()
		return
	}
	p := s.problemFor(err, lang(c))
	if p.Status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "err", err)
	}
	s.setRetryAfter(c, p.Status, err)
	writeProblem(c, p)
}

// setRetryAfter tells a client refused with 429 or 503 when to come back: when the
// lock or throttle of err ends, else a minute (rate limits) or 5 s (the database).
func (s *Server) setRetryAfter(c *gin.Context, status int, err error) {
	var ra attendance.RetryAfter
	switch {
	case errors.As(err, &ra):
		c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(ra.RetryAt().Sub(s.now()).Seconds())))))
	case status == http.StatusTooManyRequests:
		c.Header("Retry-After", "60")
	case status == http.StatusServiceUnavailable:
		c.Header("Retry-After", "5")
	}
}

func writeProblem(c *gin.Context, p problem) {
	b, err := json.Marshal(p)
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Abort()
	c.Data(p.Status, "application/problem+json; charset=utf-8", b)
}

// notFound answers an unknown route: a problem for the API, a page for people.
func (s *Server) notFound(c *gin.Context) {
	if wantsHTML(c) {
		s.renderError(c, http.StatusNotFound)
		return
	}
	s.respondError(c, attendance.ErrNotFound)
}

func (s *Server) methodNotAllowed(c *gin.Context) {
	if wantsHTML(c) {
		s.renderError(c, http.StatusMethodNotAllowed)
		return
	}
	l := lang(c)
	writeProblem(c, problem{Type: "/problems/method-not-allowed", Title: s.i18n.T(l, "problem.method-not-allowed"),
		Status: http.StatusMethodNotAllowed})
}

// wantsHTML reports whether a browser asked for a page rather than the API.
func wantsHTML(c *gin.Context) bool {
	p := c.Request.URL.Path
	if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/static/") {
		return false
	}
	return strings.Contains(c.GetHeader("Accept"), "text/html")
}

// recoverPanic turns a panic in a handler into a logged 500 problem instead of a
// dropped connection.
func (s *Server) recoverPanic() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(c.Request.Context(), "panic", "route", c.FullPath(), "panic", v)
				s.respondError(c, errors.New("panic"))
			}
		}()
		c.Next()
	}
}

// handleProblemDoc explains a problem type to a person who follows its link.
func (s *Server) handleProblemDoc() gin.HandlerFunc {
	return func(c *gin.Context) {
		kind := c.Param("type")
		for _, e := range errorStatus {
			if e.kind == kind {
				l := lang(c)
				c.JSON(http.StatusOK, gin.H{"type": "/problems/" + kind, "status": e.status,
					"title": s.i18n.T(l, "problem."+kind)})
				return
			}
		}
		s.respondError(c, attendance.ErrNotFound)
	}
}
