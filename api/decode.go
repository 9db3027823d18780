package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/diemcau/diemcau/attendance"
	"github.com/gin-gonic/gin"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// limitBody bounds every request body by maxFormBody, the largest any route takes.
// Without it a page that reads a form without a session (sign-in, check-in) would spool
// a multipart body of any size to temporary files; routes bound theirs further.
func limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
		}
	}
}

// decode reads the request's JSON body into a T. On failure it writes the problem
// (400 malformed, 413, 415, or 422 with the offending field) and returns false.
func decode[T any](s *Server, c *gin.Context) (T, bool) {
	var v T
	if err := decodeJSON(c, &v); err != nil {
		s.respondError(c, err)
		return v, false
	}
	return v, true
}

func decodeJSON(c *gin.Context, v any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errMediaType
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return errTooLarge
	case err != nil:
		return fmt.Errorf("read body: %v: %w", err, errMalformed)
	case !utf8.Valid(data):
		// encoding/json would quietly turn the bad bytes into U+FFFD and store them.
		return fmt.Errorf("body is not UTF-8: %w", errMalformed)
	case hasNUL(data):
		// No text field has a use for NUL, and PostgreSQL cannot store it in text.
		return fmt.Errorf("NUL in a JSON string: %w", errMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return fmt.Errorf("trailing data after JSON value: %w", errMalformed)
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return fmt.Errorf("%v: %w", err, errMalformed)
		}
		return attendance.Invalid(field, "type", typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return attendance.Invalid(name, "unknown_field", "")
	}
	return fmt.Errorf("%v: %w", err, errMalformed)
}

// hasNUL reports whether a JSON text has the escape \u0000 inside a string. A raw NUL
// byte is no concern here: JSON does not allow control characters in strings, so the
// decoder refuses it.
func hasNUL(data []byte) bool {
	inString := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString && i+1 < len(data):
			if data[i+1] == 'u' && bytes.HasPrefix(data[i+2:], []byte("0000")) {
				return true
			}
			i++ // skip the escaped character, which may be a quote or a backslash
		}
	}
	return false
}

// idParam reads the positive integer path parameter name; anything else is a 404,
// as no such record can exist.
func (s *Server) idParam(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		s.respondError(c, attendance.ErrNotFound)
		return 0, false
	}
	return id, true
}

// query reads list parameters, collecting every problem before answering 422.
type query struct {
	c        *gin.Context
	problems []attendance.FieldError
}

func newQuery(c *gin.Context) *query { return &query{c: c} }

func (q *query) fail(field, code string) {
	q.problems = append(q.problems, attendance.FieldError{Field: field, Code: code})
}

func (q *query) str(name string, max int) string {
	v := strings.TrimSpace(q.c.Query(name))
	if !attendance.StorableText(v) {
		q.fail(name, attendance.CodeInvalid)
		return ""
	}
	if len([]rune(v)) > max {
		q.problems = append(q.problems, attendance.FieldError{Field: name, Code: attendance.CodeTooLong, Param: strconv.Itoa(max)})
		return ""
	}
	return v
}

func (q *query) int64(name string) int64 {
	v := q.c.Query(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		q.fail(name, attendance.CodeInvalid)
	}
	return n
}

func (q *query) optInt64(name string) *int64 {
	if q.c.Query(name) == "" {
		return nil
	}
	n := q.int64(name)
	return &n
}

func (q *query) bool(name string) *bool {
	switch q.c.Query(name) {
	case "":
		return nil
	case "true", "1":
		t := true
		return &t
	case "false", "0":
		f := false
		return &f
	}
	q.fail(name, attendance.CodeInvalid)
	return nil
}

func (q *query) time(name string) time.Time {
	v := q.c.Query(name)
	if v == "" {
		return time.Time{}
	}
	t, err := parseTime(v)
	if err != nil {
		q.fail(name, attendance.CodeInvalid)
	}
	return t
}

func (q *query) oneOf(name string, allowed ...string) string {
	v := q.c.Query(name)
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	q.problems = append(q.problems, attendance.FieldError{Field: name, Code: attendance.CodeOneOf, Param: strings.Join(allowed, ",")})
	return ""
}

func (q *query) page() attendance.Page {
	return attendance.Page{Number: int(q.int64("page")), Size: int(q.int64("pageSize"))}
}

// err returns the collected problems, or nil.
func (q *query) err() error {
	if len(q.problems) == 0 {
		return nil
	}
	return &attendance.ValidationError{Fields: q.problems}
}

// parseTime accepts RFC 3339 and, for people typing in forms, the datetime-local form
// in Vietnam's time zone.
func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04", v, attendance.VietnamTime)
}

// listJSON is one page of a list.
type listJSON[T any] struct {
	Items    []T   `json:"items"`
	Total    int64 `json:"total"`
	Page     int   `json:"page"`
	PageSize int   `json:"pageSize"`
}

func toList[T, J any](l attendance.List[T], conv func(T) J) listJSON[J] {
	out := listJSON[J]{Items: make([]J, len(l.Items)), Total: l.Total, Page: l.Page.Number, PageSize: l.Page.Size}
	for i, v := range l.Items {
		out.Items[i] = conv(v)
	}
	return out
}
