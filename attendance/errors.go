package attendance

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors returned by the attendance package and its stores. Callers test them
// with errors.Is; the HTTP layer maps each to one status in a single table.
var (
	// ErrNotFound means the record does not exist or is outside the caller's scope.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change clashes with existing records (a duplicate code,
	// a record still in use).
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input failed validation; the error is a *ValidationError.
	ErrInvalid = errors.New("invalid input")
	// ErrInvalidTransition means a conference cannot move to the asked status from its
	// current one.
	ErrInvalidTransition = errors.New("invalid status transition")
	// ErrBadCredentials means a sign-in failed: unknown login, wrong password or PIN,
	// or an inactive account. It never says which.
	ErrBadCredentials = errors.New("bad credentials")
	// ErrUnauthenticated means no valid session or token came with the request.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden means the caller's role may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrLocked means sign-in is locked for this login after repeated failures; the
	// error is a *LockedError saying until when.
	ErrLocked = errors.New("locked")
	// ErrThrottled means too many wrong PINs came from the caller's address; the error
	// is a *ThrottledError saying when to try again.
	ErrThrottled = errors.New("throttled")
	// ErrUnavailable means the database cannot be reached or refuses work for now (it
	// is restarting, out of connections, or busy): the request may be tried again.
	ErrUnavailable = errors.New("database unavailable")
	// ErrAuditKey means the audit log is chained under another key than the store was
	// given: the server secret changed, or instances do not share one. Appending under
	// the wrong key would fork the chain, so the store refuses to start with it.
	ErrAuditKey = errors.New("the audit log is chained under another key")
)

// Field problem codes carried by FieldError.Code. They are stable: clients and the
// translations key on them.
const (
	CodeRequired  = "required"   // the field is empty
	CodeTooLong   = "too_long"   // longer than Param characters
	CodeInvalid   = "invalid"    // not of the expected form
	CodeOneOf     = "one_of"     // not one of Param (comma separated)
	CodeDuplicate = "duplicate"  // another record (or another line) already has it
	CodeUnknown   = "unknown"    // refers to a record that does not exist
	CodeOrder     = "order"      // out of order with another field (Param names it)
	CodeRange     = "range"      // outside the allowed range (Param describes it)
	CodeSelfCycle = "cycle"      // would make the organization tree a cycle
	CodeFileType  = "file_type"  // an upload of an unsupported type
	CodeFileSize  = "file_size"  // an upload over the size limit (Param)
	CodeEmptyFile = "empty_file" // an upload with no data rows
	CodeInvited   = "invited"    // the member named (Param: their name) is invited to the conference themselves
)

// FieldError is one problem with one field of the input. Line is set for problems in
// an imported file (1-based, counting the header line); Value is then what the file
// held there, so that whoever fixes it sees the cell at fault without opening the file
// (a long one shortened, a PIN never repeated: see RosterRow.Problem).
type FieldError struct {
	Field string
	Code  string
	Param string
	Line  int
	Value string
}

// ValidationError lists every problem found in an input, so a user can fix them all
// at once. It matches ErrInvalid under errors.Is.
type ValidationError struct {
	Fields []FieldError
}

// Error lists the problems in one line for logs.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		p := f.Field + ": " + f.Code
		if f.Line > 0 {
			p = fmt.Sprintf("line %d %s", f.Line, p)
		}
		parts = append(parts, p)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for every ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// problems collects field errors while a record is checked.
type problems []FieldError

func (p *problems) add(field, code, param string) {
	*p = append(*p, FieldError{Field: field, Code: code, Param: param})
}

// required adds a problem when s is blank and a too_long problem past max runes.
func (p *problems) text(field, s string, required bool, max int) {
	if strings.TrimSpace(s) == "" {
		if required {
			p.add(field, CodeRequired, "")
		}
		return
	}
	if len([]rune(s)) > max {
		p.add(field, CodeTooLong, fmt.Sprint(max))
	}
}

// err returns nil when there are no problems, else a *ValidationError.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Fields: p}
}

// Invalid is a shorthand for a ValidationError with one problem.
func Invalid(field, code, param string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Code: code, Param: param}}}
}

// StorableText reports whether s can be stored as text: UTF-8 without NUL. PostgreSQL
// refuses anything else, and no name, title or search has a use for it.
func StorableText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// RetryAfter is an error that says when the request may be tried again.
type RetryAfter interface {
	error
	RetryAt() time.Time
}

// LockedError is ErrLocked with the time the lock ends.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string        { return "locked until " + e.Until.UTC().Format(time.RFC3339) }
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// RetryAt is when the lock ends.
func (e *LockedError) RetryAt() time.Time { return e.Until }

// ThrottledError is ErrThrottled with the time the address may guess again.
type ThrottledError struct{ Until time.Time }

func (e *ThrottledError) Error() string {
	return "throttled until " + e.Until.UTC().Format(time.RFC3339)
}
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// RetryAt is when the address may try again.
func (e *ThrottledError) RetryAt() time.Time { return e.Until }

// BadCredentialsError is ErrBadCredentials with the tries left before the lock, so a
// member is told how many remain.
type BadCredentialsError struct{ TriesLeft int }

func (e *BadCredentialsError) Error() string {
	return fmt.Sprintf("bad credentials (%d tries left)", e.TriesLeft)
}
func (e *BadCredentialsError) Is(target error) bool { return target == ErrBadCredentials }
