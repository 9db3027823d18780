package attendance

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
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
	ActionConferenceClose    = "conference.close"
	ActionConferenceReopen   = "conference.reopen"
	ActionCheckInManual      = "checkin.manual"
	ActionCheckInUndo        = "checkin.undo"
	ActionAccountRole        = "account.role"
	// ActionAuditRechain records the one-time move of a log chained with plain SHA-256
	// (before the log had a key) to a chain under the key: how many entries, and the old
	// head an operator may have noted down.
	ActionAuditRechain = "audit.rechain"
)

// AuditEntry is one entry of the append-only audit log: who (an account or a
// member), when, what (action on an object) and the object's state before and after,
// as JSON text ("" when there is none). Entries are numbered 1, 2, 3… without gaps and
// chained under a key kept outside the database: Hash is an HMAC of the entry and
// PrevHash, the previous entry's Hash, so changing, removing or reordering an entry
// breaks the chain from there on, and nobody without the key can compute the hashes
// of a rewritten chain.
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

// auditVersion starts every hashed encoding, so a change of the encoding can be told
// apart. v1 was plain SHA-256 of the same fields (sqlstore keeps it, frozen, to move
// older logs); v2 is the HMAC.
const auditVersion = "diemcau.audit.v2"

// AuditKey derives the key the audit log is chained under from the server secret
// (DIEMCAU_SECRET): HMAC-SHA256(secret, "diemcau/audit/v1"). A key of its own, so the
// hashes of the log never reveal anything about what the secret signs elsewhere.
func AuditKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("diemcau/audit/v1"))
	return m.Sum(nil)
}

// AuditKeyID names key without revealing it: HMAC-SHA256(key, "diemcau/audit/key-id")
// in hex. A store keeps it beside the log, so a start with another key (a changed
// secret, or instances that do not share one) is refused before it forks the chain.
func AuditKeyID(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("diemcau/audit/key-id"))
	return hex.EncodeToString(m.Sum(nil))
}

// ComputeHash returns the hex HMAC-SHA256 under key of the entry's canonical encoding:
// the version, then prev hash, ID, At (UTC, RFC 3339 with nanoseconds), actor account,
// actor member (decimal, empty when unset), action, object type, object ID, reason,
// before and after, each written as its byte length, a colon, the bytes and a comma (a
// netstring), so no two different entries encode alike.
func (e *AuditEntry) ComputeHash(key []byte) string {
	h := hmac.New(sha256.New, key)
	e.encode(h, auditVersion)
	return hex.EncodeToString(h.Sum(nil))
}

func (e *AuditEntry) encode(h hash.Hash, version string) {
	field := func(s string) { fmt.Fprintf(h, "%d:%s,", len(s), s) }
	field(version)
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
}

func optionalID(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// Link makes e the entry after prev (nil for the first entry of the log) under key: it
// numbers it, chains it and computes its hash. At is kept to the microsecond, UTC,
// which every database stores exactly, so the hash still matches when the entry is
// read back.
func (e *AuditEntry) Link(prev *AuditEntry, key []byte) {
	e.ID, e.PrevHash = 1, ""
	if prev != nil {
		e.ID, e.PrevHash = prev.ID+1, prev.Hash
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = e.ComputeHash(key)
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

// AuditHead names one entry by ID and hash: the chain's head at some moment, kept
// outside the database (noted down from "diemcau audit verify", or printed in the
// report of a closed conference). The chain alone cannot show that its end was cut
// off, or the whole log wiped; a head kept elsewhere can: the entry must still be
// there, with that hash.
type AuditHead struct {
	ID   int64
	Hash string // the whole hash, or a prefix of at least MinAuditHeadHash hex digits
}

// MinAuditHeadHash is the shortest hash prefix a noted head may give: 64 bits, which
// nobody finds a match for by trying, and few enough digits to copy by hand.
const MinAuditHeadHash = 16

var auditHeadForm = regexp.MustCompile(`^#?([1-9][0-9]{0,17}):([0-9a-f]{16,64})$`)

// ParseAuditHead reads a head written as ID:HASH ("1234:9f2c…", as audit verify prints
// it; "#1234 · 9f2c…", as a report prints it, passes too). HASH is the whole hash or a
// prefix of at least MinAuditHeadHash hex digits. It returns ErrInvalid (field "head",
// code invalid) for anything else.
func ParseAuditHead(s string) (AuditHead, error) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '·':
			return ':'
		case unicode.IsSpace(r):
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	m := auditHeadForm.FindStringSubmatch(s)
	if m == nil {
		return AuditHead{}, Invalid("head", CodeInvalid, "ID:HASH")
	}
	id, _ := strconv.ParseInt(m[1], 10, 64) // at most 18 digits: it fits
	return AuditHead{ID: id, Hash: m[2]}, nil
}

// String writes h as ParseAuditHead reads it.
func (h AuditHead) String() string { return strconv.FormatInt(h.ID, 10) + ":" + h.Hash }

// Label writes h as reports print it, "#1234 · 9f2c…" (the whole hash); ParseAuditHead
// reads it back.
func (h AuditHead) Label() string { return "#" + strconv.FormatInt(h.ID, 10) + " · " + h.Hash }

// matches reports whether hash is the hash h names.
func (h AuditHead) matches(hash string) bool {
	return len(h.Hash) >= MinAuditHeadHash && len(h.Hash) <= len(hash) && hash[:len(h.Hash)] == h.Hash
}

// AuditProblem names how the chain broke.
type AuditProblem string

// The problems a verification finds.
const (
	// AuditChanged: the entry's hash does not match its content (a changed row, or a
	// row hashed without the key).
	AuditChanged AuditProblem = "changed"
	// AuditMissing: the entry with the ID is not there (a removed row); the chain goes
	// on at a later ID.
	AuditMissing AuditProblem = "missing"
	// AuditUnlinked: the entry's PrevHash is not the previous entry's hash (entries
	// replaced or reordered).
	AuditUnlinked AuditProblem = "unlinked"
	// AuditCut: a head kept outside the log names an entry past the log's end: the end
	// was cut off, or the whole log wiped.
	AuditCut AuditProblem = "cut"
	// AuditRewritten: a head kept outside the log names an entry that is there with
	// another hash: the log was rewritten (or the head is of another log).
	AuditRewritten AuditProblem = "rewritten"
)

// AuditReport is the result of verifying the log. Checked counts the entries that
// verified before the first problem; LastID and LastHash are the last of them: the
// head to note down, so that a later verification given it (AuditHead) detects a cut
// of the log's end, which the chain cannot show by itself.
type AuditReport struct {
	OK       bool
	Checked  int64
	LastID   int64
	LastHash string
	BrokenID int64 // the first broken entry, or the entry a failing head names
	Problem  AuditProblem
	// Heads counts the heads kept outside the log that were found in it unchanged.
	Heads int
	// ConferenceID is the conference whose head failed, when it was one recorded at a
	// conference's closing rather than one given by the caller.
	ConferenceID int64
}

// Head returns the head of the verified chain, as AuditHead.
func (r AuditReport) Head() AuditHead { return AuditHead{ID: r.LastID, Hash: r.LastHash} }

// AuditAnchor is a head checked during a verification, with the conference it was
// recorded for (0: given by the caller).
type AuditAnchor struct {
	AuditHead
	ConferenceID int64
}

// AuditVerifier checks a log entry by entry in ID order under key, so a store can feed
// it page by page, and checks the anchors as their entries go by.
type AuditVerifier struct {
	key     []byte
	anchors map[int64][]AuditAnchor
	r       AuditReport
	broken  bool
}

// NewAuditVerifier returns a verifier of a log chained under key that also checks the
// given anchors.
func NewAuditVerifier(key []byte, anchors ...AuditAnchor) *AuditVerifier {
	v := &AuditVerifier{key: key, anchors: map[int64][]AuditAnchor{}}
	for _, a := range anchors {
		v.anchors[a.ID] = append(v.anchors[a.ID], a)
	}
	return v
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
		v.fail(want, AuditMissing, 0)
	case e.PrevHash != v.r.LastHash:
		v.fail(e.ID, AuditUnlinked, 0)
	case !hmac.Equal([]byte(e.ComputeHash(v.key)), []byte(e.Hash)):
		v.fail(e.ID, AuditChanged, 0)
	default:
		for _, a := range v.anchors[e.ID] {
			if !a.matches(e.Hash) {
				v.fail(e.ID, AuditRewritten, a.ConferenceID)
				return false
			}
			v.r.Heads++
		}
		delete(v.anchors, e.ID)
		v.r.Checked++
		v.r.LastID, v.r.LastHash = e.ID, e.Hash
	}
	return !v.broken
}

func (v *AuditVerifier) fail(id int64, p AuditProblem, conference int64) {
	v.broken = true
	v.r.BrokenID, v.r.Problem, v.r.ConferenceID = id, p, conference
}

// Report returns the verification of the entries given so far, as if the log ended
// there: an anchor not yet met names an entry past its end (AuditCut; the lowest
// such entry is named).
func (v *AuditVerifier) Report() AuditReport {
	r := v.r
	r.OK = !v.broken
	if r.OK {
		var cut *AuditAnchor
		for id, as := range v.anchors {
			if id > r.LastID && (cut == nil || id < cut.ID) {
				cut = &as[0]
			}
		}
		if cut != nil {
			r.OK, r.BrokenID, r.Problem, r.ConferenceID = false, cut.ID, AuditCut, cut.ConferenceID
		}
	}
	return r
}

// AuditFilter selects audit entries in a list, newest first.
type AuditFilter struct {
	Action     string
	ObjectType string
	ObjectID   int64
	Page       Page
}
