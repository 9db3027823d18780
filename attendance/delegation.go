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

// DelegationWarning is something the approver of a delegation should weigh: the
// substitute is not whom seed 001 (Công văn 307-CV/ĐU) has an invitee send — their
// deputy ("ủy nhiệm cho cấp phó dự họp"). A warning does not refuse the delegation;
// the chair decides, knowing it.
type DelegationWarning string

// The warnings, in the order SubstituteWarnings lists them.
const (
	// WarnOtherOrganization: the substitute belongs to another Party organization than
	// the invitee, so is nobody's deputy there.
	WarnOtherOrganization DelegationWarning = "other_organization"
	// WarnNotDeputy: the substitute is neither a deputy nor a secretary.
	WarnNotDeputy DelegationWarning = "not_deputy"
)

// SubstituteWarnings checks a substitute against the invitee who names them (docs/design.md
// §13): of the invitee's own organization, and a deputy or secretary there. It
// returns the warnings for the approver, none for the invitee's deputy.
func SubstituteWarnings(invitee, substitute Member) []DelegationWarning {
	out := []DelegationWarning{}
	if substitute.OrganizationID != invitee.OrganizationID {
		out = append(out, WarnOtherOrganization)
	}
	if substitute.Position != PositionDeputy && substitute.Position != PositionSecretary {
		out = append(out, WarnNotDeputy)
	}
	return out
}

// DelegationView is a delegation with the names lists show, and what the approver
// should know of the substitute.
type DelegationView struct {
	Delegation
	MemberCode               string
	FullName                 string
	OrganizationID           int64
	SubstituteCode           string
	SubstituteName           string
	SubstitutePosition       Position
	SubstituteOrganizationID int64
	ConferenceTitle          string
	PointID                  int64 // the member's invited point; 0 if no longer invited
}

// Warnings are the view's SubstituteWarnings.
func (v DelegationView) Warnings() []DelegationWarning {
	return SubstituteWarnings(Member{ID: v.MemberID, OrganizationID: v.OrganizationID},
		Member{ID: v.SubstituteID, Position: v.SubstitutePosition, OrganizationID: v.SubstituteOrganizationID})
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
