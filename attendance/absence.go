package attendance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Absence, delegation and supervision errors (docs/design.md §12–§14). Callers test
// them with errors.Is.
var (
	// ErrDeadline means the conference is closed: absence requests, explanations,
	// delegations and their decisions are no longer accepted. Only an audited reopen
	// of the conference lets them change again.
	ErrDeadline = errors.New("conference closed: no more requests or decisions")
	// ErrSelfApproval means someone tried to decide their own request.
	ErrSelfApproval = errors.New("nobody decides their own request")
	// ErrAlreadyDecided means the request is no longer pending: it was approved,
	// rejected or withdrawn, and is not decided (or withdrawn) again.
	ErrAlreadyDecided = errors.New("already decided")
	// ErrNotApprover means the caller may see the request but is not its approver: not
	// the chair of the member's point, nor an organizer or administrator.
	ErrNotApprover = errors.New("not the approver of this request")
	// ErrCheckedIn means the member is checked in at the conference (a check-in not
	// undone): counted present (docs/design.md §10.2), they have no absence to ask
	// leave for or to explain.
	ErrCheckedIn = errors.New("the member is checked in: present, not absent")
)

// AbsenceKind tells whether a request came before or after the conference started.
type AbsenceKind string

// The kinds of absence requests (QĐ 45/2018 art. 15): a request (xin phép) is filed
// before the conference starts; an explanation (giải trình) after it started, until
// it closes.
const (
	KindRequest     AbsenceKind = "request"
	KindExplanation AbsenceKind = "explanation"
)

// KindAt returns the kind of a request filed at now: a request while the conference
// has not started (scheduled and before its start time), an explanation after.
func (c *Conference) KindAt(now time.Time) AbsenceKind {
	if c.Status == StatusScheduled && now.Before(c.StartsAt) {
		return KindRequest
	}
	return KindExplanation
}

// AbsenceCategory is the reason class of an absence (seed 004: công tác, việc đột
// xuất, bất khả kháng).
type AbsenceCategory string

// The categories.
const (
	CategoryCongTac     AbsenceCategory = "cong_tac"      // on official duty (đi công tác)
	CategoryOmDau       AbsenceCategory = "om_dau"        // ill (ốm đau)
	CategoryViecGiaDinh AbsenceCategory = "viec_gia_dinh" // family matters (việc gia đình)
	CategoryBatKhaKhang AbsenceCategory = "bat_kha_khang" // force majeure (bất khả kháng)
	CategoryKhac        AbsenceCategory = "khac"          // other (khác)
)

// AbsenceCategories lists the categories in the order forms show them.
var AbsenceCategories = []AbsenceCategory{CategoryCongTac, CategoryOmDau, CategoryViecGiaDinh,
	CategoryBatKhaKhang, CategoryKhac}

// DecisionStatus is where an absence request or a delegation stands.
type DecisionStatus string

// The statuses. A request starts pending; its approver approves or rejects it, or its
// member withdraws it while it is pending. Supervision may later flip approved and
// rejected (Overturned records that it did).
const (
	DecisionPending   DecisionStatus = "pending"
	DecisionApproved  DecisionStatus = "approved"
	DecisionRejected  DecisionStatus = "rejected"
	DecisionWithdrawn DecisionStatus = "withdrawn"
)

// Open reports whether the status still counts: pending or approved. A member has at
// most one open absence request (and one open delegation) per conference.
func (s DecisionStatus) Open() bool { return s == DecisionPending || s == DecisionApproved }

// Decision is where what a member files for a chair to decide stands (an absence
// request, a delegation): pending until its member withdraws it or it is decided. The
// rules of both live here; the records embed it.
type Decision struct {
	Status             DecisionStatus `gorm:"size:16;not null"`
	DecidedByAccountID *int64
	DecidedByMemberID  *int64
	DecidedAt          *time.Time
	DecisionNote       string `gorm:"size:2000;not null"`
}

// Withdraw takes back a pending decision of member: only that member may (ErrForbidden);
// one no longer pending is ErrAlreadyDecided.
func (d *Decision) Withdraw(p Principal, member int64) error {
	if p.MemberID == 0 || p.MemberID != member {
		return ErrForbidden
	}
	if d.Status != DecisionPending {
		return fmt.Errorf("%s: %w", d.Status, ErrAlreadyDecided)
	}
	d.Status = DecisionWithdrawn
	return nil
}

// Decide records p's approval or rejection, with its note, at now. One no longer
// pending is ErrAlreadyDecided. Whether p may decide is the store's to tell (it needs
// the member's point and chairs).
func (d *Decision) Decide(p Principal, approved bool, note string, now time.Time) error {
	if d.Status != DecisionPending {
		return fmt.Errorf("%s: %w", d.Status, ErrAlreadyDecided)
	}
	d.Status = DecisionRejected
	if approved {
		d.Status = DecisionApproved
	}
	d.DecidedByAccountID, d.DecidedByMemberID = p.Actor()
	d.DecidedAt, d.DecisionNote = &now, note
	return nil
}

// DecidedAs returns what the approver decided (DecidedBy…, DecidedAt, DecisionNote)
// before the supervisory committee overturned the decision overturns times: each
// overturn flips approved and rejected (docs/design.md §14.1), so an odd number of them
// means the approver decided the opposite of the status now. A pending or withdrawn
// decision was never decided, and is returned as it is.
func (d Decision) DecidedAs(overturns int) DecisionStatus {
	if overturns%2 == 0 {
		return d.Status
	}
	switch d.Status {
	case DecisionApproved:
		return DecisionRejected
	case DecisionRejected:
		return DecisionApproved
	}
	return d.Status
}

// DecisionColumns are the columns Decide changes.
var DecisionColumns = []string{"status", "decided_by_account_id", "decided_by_member_id", "decided_at", "decision_note"}

// The bounds of requests and their attachments.
const (
	MaxReasonLength   = 2000     // runes of a reason or a decision note
	MaxAttachments    = 5        // files per absence request
	MaxAttachmentSize = 10 << 20 // bytes per file
)

// AttachmentTypes are the content types accepted as supporting documents: PDF or
// images, detected from the bytes by the caller, never from the file name.
var AttachmentTypes = map[string]string{
	"application/pdf": "pdf",
	"image/png":       "png",
	"image/jpeg":      "jpg",
	"image/webp":      "webp",
}

// AbsenceRequest is a member's written request to be absent from a conference (before
// it starts) or explanation of an absence (after). The decider is an account
// (organizer, administrator) or a member (the chair of the member's point); one of
// DecidedByAccountID and DecidedByMemberID is set once decided. FiledBy… say who
// filed it: the member, or someone on their behalf.
type AbsenceRequest struct {
	ID           int64           `gorm:"primaryKey"`
	ConferenceID int64           `gorm:"not null;index"`
	MemberID     int64           `gorm:"not null;index"`
	Kind         AbsenceKind     `gorm:"size:16;not null"`
	Category     AbsenceCategory `gorm:"size:16;not null"`
	Reason       string          `gorm:"size:2000;not null"`
	Decision
	FiledByAccountID *int64
	FiledByMemberID  *int64
	Overturned       bool `gorm:"not null"`
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// AbsenceAttachment is a supporting document of an absence request, kept in the
// database like conference materials.
type AbsenceAttachment struct {
	ID          int64  `gorm:"primaryKey"`
	AbsenceID   int64  `gorm:"not null;index"`
	FileName    string `gorm:"size:255;not null"`
	ContentType string `gorm:"size:100;not null"`
	Size        int64  `gorm:"not null"`
	SHA256      string `gorm:"column:sha256;size:64;not null"`
	Data        []byte `gorm:"not null"`
	CreatedAt   time.Time
}

// validate checks one attachment, reporting under field (e.g. "attachments[0]").
func (a *AbsenceAttachment) validate(p *problems, field string) {
	a.FileName = strings.TrimSpace(a.FileName)
	a.Size = int64(len(a.Data))
	p.text(field+".fileName", a.FileName, false, 255)
	if _, ok := AttachmentTypes[a.ContentType]; !ok {
		p.add(field, CodeFileType, "pdf,png,jpg,webp")
	}
	if a.Size == 0 {
		p.add(field, CodeEmptyFile, "")
	} else if a.Size > MaxAttachmentSize {
		p.add(field, CodeFileSize, "10 MiB")
	}
}

// ValidateAttachments checks files added to a request that already has existing ones.
func ValidateAttachments(existing int, files []AbsenceAttachment) error {
	var p problems
	if existing+len(files) > MaxAttachments {
		p.add("attachments", CodeRange, fmt.Sprint(MaxAttachments))
	}
	for i := range files {
		files[i].validate(&p, fmt.Sprintf("attachments[%d]", i))
	}
	return p.err()
}

// AbsenceInput is a request to be absent, as a member (or someone on their behalf)
// files it. MemberID 0 means the caller themselves.
type AbsenceInput struct {
	ConferenceID int64
	MemberID     int64
	Category     AbsenceCategory
	Reason       string
	Attachments  []AbsenceAttachment // ContentType detected by the caller
}

// Validate trims the input and reports every problem with its own fields.
func (in *AbsenceInput) Validate() error {
	var p problems
	in.Reason = strings.TrimSpace(in.Reason)
	if in.ConferenceID <= 0 {
		p.add("conferenceId", CodeRequired, "")
	}
	// The category has no default: a form that chose one for the member would file
	// "công tác" for an illness nobody picked (docs/design.md §12.2).
	switch {
	case in.Category == "":
		p.add("category", CodeRequired, "")
	case !slices.Contains(AbsenceCategories, in.Category):
		p.add("category", CodeOneOf, "cong_tac,om_dau,viec_gia_dinh,bat_kha_khang,khac")
	}
	p.text("reason", in.Reason, true, MaxReasonLength)
	if len(in.Attachments) > MaxAttachments {
		p.add("attachments", CodeRange, fmt.Sprint(MaxAttachments))
	}
	for i := range in.Attachments {
		in.Attachments[i].validate(&p, fmt.Sprintf("attachments[%d]", i))
	}
	return p.err()
}

// ValidateDecision checks the note of a decision: optional for an approval, required
// for a rejection (the member must learn why), at most MaxReasonLength runes.
func ValidateDecision(approved bool, note string) error {
	var p problems
	p.text("note", note, !approved, MaxReasonLength)
	return p.err()
}

// AbsenceView is an absence request with the names lists show. Attachments carry no
// data, only what a list needs.
type AbsenceView struct {
	AbsenceRequest
	MemberCode      string
	FullName        string
	Position        Position
	OrganizationID  int64
	ConferenceTitle string
	PointID         int64               // the member's invited point; 0 if no longer invited
	Attachments     []AbsenceAttachment `gorm:"-"`
}

// AbsenceFilter selects absence requests. From and To bound the conference's start.
type AbsenceFilter struct {
	ConferenceID    int64
	MemberID        int64
	Status          DecisionStatus
	Kind            AbsenceKind
	OrganizationIDs []int64 // members of these organizations (not their subtrees)
	From, To        time.Time
	Scope           Scope
	Page            Page
}

// ReviewAction is what the supervisory committee did with a request.
type ReviewAction string

// The review actions (docs/design.md §14).
const (
	ReviewReviewed   ReviewAction = "reviewed"   // seen, nothing to add
	ReviewFlagged    ReviewAction = "flagged"    // to follow up, with a note
	ReviewOverturned ReviewAction = "overturned" // decision flipped, with the reason
)

// Review is one act of supervision on an absence request.
type Review struct {
	ID                int64        `gorm:"primaryKey"`
	AbsenceID         int64        `gorm:"not null;index"`
	ReviewerAccountID int64        `gorm:"not null"`
	Action            ReviewAction `gorm:"size:16;not null"`
	Note              string       `gorm:"size:2000;not null"`
	CreatedAt         time.Time
}

// ValidateReview trims note and checks a review: a known action, and a note for a
// flag or an overturn.
func ValidateReview(action ReviewAction, note *string) error {
	var p problems
	*note = strings.TrimSpace(*note)
	switch action {
	case ReviewReviewed:
		p.text("note", *note, false, MaxReasonLength)
	case ReviewFlagged, ReviewOverturned:
		p.text("note", *note, true, MaxReasonLength)
	default:
		p.add("action", CodeOneOf, "reviewed,flagged,overturned")
	}
	return p.err()
}
