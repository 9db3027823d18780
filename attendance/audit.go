package attendance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// The audited actions (docs/design.md §16). An action names what changed as
// "object.verb"; add to them freely, never rename one already written to a log.
const (
	ActionAbsenceFile        = "absence.file"
	ActionAbsenceWithdraw    = "absence.withdraw"
	ActionAbsenceAttach      = "absence.attach"
	ActionAbsenceDecide      = "absence.decide"
	ActionAbsenceReview      = "absence.review"
	ActionAbsenceOverturn    = "absence.overturn"
	ActionDelegationFile     = "delegation.file"
	ActionDelegationWithdraw = "delegation.withdraw"
	ActionDelegationDecide   = "delegation.decide"
	ActionConferenceReopen   = "conference.reopen"
	ActionCheckInManual      = "checkin.manual"
	ActionCheckInUndo        = "checkin.undo"
	ActionAccountRole        = "account.role"
)

// AuditEntry is one entry of the append-only audit log: who (an account or a
// member), when, what (action on an object) and the object's state before and after,
// as JSON text ("" when there is none). Entries are numbered 1, 2, 3… without gaps and
// chained: Hash covers the entry and PrevHash, the previous entry's Hash, so changing,
// removing or reordering an entry breaks the chain from there on.
type AuditEntry struct {
	ID             int64     `gorm:"primaryKey;autoIncrement:false"`
	At             time.Time `gorm:"not null"`
	ActorAccountID *int64
	ActorMemberID  *int64
	Action         string `gorm:"size:64;not null"`
	ObjectType     string `gorm:"size:32;not null"`
	ObjectID       int64  `gorm:"not null"`
	Reason         string `gorm:"not null"`
	Before         string `gorm:"not null"`
	After          string `gorm:"not null"`
	PrevHash       string `gorm:"size:64;not null"`
	Hash           string `gorm:"size:64;not null"`
}

// auditVersion starts every hashed encoding, so a future change of the encoding can be
// told apart.
const auditVersion = "diemcau.audit.v1"

// ComputeHash returns the hex SHA-256 of the entry's canonical encoding: the fields
// prev hash, ID, At (UTC, RFC 3339 with nanoseconds), actor account, actor member
// (decimal, empty when unset), action, object type, object ID, reason, before and
// after, each written as its byte length, a colon, the bytes and a comma (a
// netstring), so no two different entries encode alike.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s,", len(s), s) }
	field(auditVersion)
	field(e.PrevHash)
	field(strconv.FormatInt(e.ID, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(optionalID(e.ActorAccountID))
	field(optionalID(e.ActorMemberID))
	field(e.Action)
	field(e.ObjectType)
	field(strconv.FormatInt(e.ObjectID, 10))
	field(e.Reason)
	field(e.Before)
	field(e.After)
	return hex.EncodeToString(h.Sum(nil))
}

func optionalID(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// Link makes e the entry after prev (nil for the first entry of the log): it numbers
// it, chains it and computes its hash. At is kept to the microsecond, UTC, which every
// database stores exactly, so the hash still matches when the entry is read back.
func (e *AuditEntry) Link(prev *AuditEntry) {
	e.ID, e.PrevHash = 1, ""
	if prev != nil {
		e.ID, e.PrevHash = prev.ID+1, prev.Hash
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = e.ComputeHash()
}

// SetActor records p as the actor of e: its account, or else its member.
func (e *AuditEntry) SetActor(p Principal) {
	e.ActorAccountID, e.ActorMemberID = nil, nil
	if p.AccountID != 0 {
		id := p.AccountID
		e.ActorAccountID = &id
	} else if p.MemberID != 0 {
		id := p.MemberID
		e.ActorMemberID = &id
	}
}

// Chain links entries in order as a log of their own, from the first.
func Chain(entries []AuditEntry) {
	for i := range entries {
		if i == 0 {
			entries[i].Link(nil)
		} else {
			entries[i].Link(&entries[i-1])
		}
	}
}

// AuditProblem names how the chain broke.
type AuditProblem string

// The problems a verification finds.
const (
	// AuditChanged: the entry's hash does not match its content (a changed row).
	AuditChanged AuditProblem = "changed"
	// AuditMissing: the entry with the ID is not there (a removed row); the chain goes
	// on at a later ID.
	AuditMissing AuditProblem = "missing"
	// AuditUnlinked: the entry's PrevHash is not the previous entry's hash (entries
	// replaced or reordered).
	AuditUnlinked AuditProblem = "unlinked"
)

// AuditReport is the result of verifying the log. Checked counts the entries that
// verified before the first problem; LastID and LastHash are the last of them, which
// an operator can note down to detect a later truncation of the log's end (the one
// change a chain cannot show by itself).
type AuditReport struct {
	OK       bool
	Checked  int64
	LastID   int64
	LastHash string
	BrokenID int64 // the first broken entry, when not OK
	Problem  AuditProblem
}

// AuditVerifier checks a log entry by entry in ID order, so a store can feed it page
// by page. The zero value expects the log's first entry.
type AuditVerifier struct {
	r      AuditReport
	broken bool
}

// Next checks the next entry and reports whether the chain still holds; once it
// breaks, further entries are ignored.
func (v *AuditVerifier) Next(e AuditEntry) bool {
	if v.broken {
		return false
	}
	want := v.r.LastID + 1
	switch {
	case e.ID != want:
		v.fail(want, AuditMissing)
	case e.PrevHash != v.r.LastHash:
		v.fail(e.ID, AuditUnlinked)
	case e.ComputeHash() != e.Hash:
		v.fail(e.ID, AuditChanged)
	default:
		v.r.Checked++
		v.r.LastID, v.r.LastHash = e.ID, e.Hash
	}
	return !v.broken
}

func (v *AuditVerifier) fail(id int64, p AuditProblem) {
	v.broken = true
	v.r.BrokenID, v.r.Problem = id, p
}

// Report returns what the verification found so far.
func (v *AuditVerifier) Report() AuditReport {
	r := v.r
	r.OK = !v.broken
	return r
}

// Verify checks a whole log given in ID order.
func Verify(entries []AuditEntry) AuditReport {
	var v AuditVerifier
	for _, e := range entries {
		if !v.Next(e) {
			break
		}
	}
	return v.Report()
}

// AuditFilter selects audit entries in a list, newest first.
type AuditFilter struct {
	Action     string
	ObjectType string
	ObjectID   int64
	Page       Page
}
