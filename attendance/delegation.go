package attendance

import (
	"strings"
	"time"
)

// Delegation is an invited member naming a substitute (ủy nhiệm, seed 001; QĐ 45/2018):
// once the chair of the member's point or an organizer approves it, the substitute's
// check-in answers the invitation, and the substitute must open the materials. The
// approver rules are those of absence requests.
type Delegation struct {
	ID           int64  `gorm:"primaryKey"`
	ConferenceID int64  `gorm:"not null;index"`
	MemberID     int64  `gorm:"not null;index"`
	SubstituteID int64  `gorm:"not null;index"`
	Reason       string `gorm:"size:2000;not null"`
	Decision
	FiledByAccountID *int64
	FiledByMemberID  *int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// DelegationInput is a delegation as filed. MemberID 0 means the caller themselves.
type DelegationInput struct {
	ConferenceID int64
	MemberID     int64
	SubstituteID int64
	Reason       string
}

// Validate trims the input and reports every problem with its own fields. That the
// substitute exists, is active and is not invited is the store's to check.
func (in *DelegationInput) Validate() error {
	var p problems
	in.Reason = strings.TrimSpace(in.Reason)
	if in.ConferenceID <= 0 {
		p.add("conferenceId", CodeRequired, "")
	}
	if in.SubstituteID <= 0 {
		p.add("substituteId", CodeRequired, "")
	} else if in.MemberID != 0 && in.SubstituteID == in.MemberID {
		p.add("substituteId", CodeInvalid, "")
	}
	p.text("reason", in.Reason, true, MaxReasonLength)
	return p.err()
}

// DelegationView is a delegation with the names lists show.
type DelegationView struct {
	Delegation
	MemberCode      string
	FullName        string
	OrganizationID  int64
	SubstituteCode  string
	SubstituteName  string
	ConferenceTitle string
	PointID         int64 // the member's invited point; 0 if no longer invited
}

// DelegationFilter selects delegations.
type DelegationFilter struct {
	ConferenceID int64
	MemberID     int64 // as the invited member
	SubstituteID int64
	Status       DecisionStatus
	Scope        Scope
	Page         Page
}
