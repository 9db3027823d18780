package attendance

import (
	"regexp"
	"strings"
	"time"
)

// Position is a member's position in their organization.
type Position string

// The positions. The secretary chairs the organization's point; the deputy chairs when
// the secretary is away (docs/design.md §11).
const (
	PositionSecretary Position = "secretary"
	PositionDeputy    Position = "deputy"
	PositionMember    Position = "member"
)

// Valid reports whether p is one of the known positions.
func (p Position) Valid() bool {
	return p == PositionSecretary || p == PositionDeputy || p == PositionMember
}

// Member is a person on an organization's roster. Exempt members (miễn sinh hoạt) are
// invited and listed but excluded from attendance rates. PINHash is empty until a PIN
// is set; a member without one cannot sign in.
type Member struct {
	ID             int64    `gorm:"primaryKey"`
	Code           string   `gorm:"size:32;not null;uniqueIndex"`
	FullName       string   `gorm:"size:200;not null"`
	OrganizationID int64    `gorm:"not null;index"`
	Position       Position `gorm:"size:16;not null"`
	Exempt         bool     `gorm:"not null"`
	Phone          string   `gorm:"size:32;not null"`
	PINHash        string   `gorm:"column:pin_hash;size:200;not null"`
	// NameKey orders members by name in Vietnamese order (NameKey); Normalize sets it.
	NameKey []byte `gorm:"column:full_name_key" json:"-"`
	Active  bool   `gorm:"not null"`
	// CredentialsVersion counts the PIN changes, resets and deactivations: a phone's
	// one-tap cookie names the version it was made under, so each of these ends it.
	CredentialsVersion int `gorm:"not null;default:0"`
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

var (
	memberCodeRe = regexp.MustCompile(`^[\p{L}\p{N}._/-]{1,32}$`)
	phoneRe      = regexp.MustCompile(`^\+?[0-9 .()-]{6,20}$`)
	pinRe        = regexp.MustCompile(`^[0-9]{4,8}$`)
)

// MemberCode is the one spelling of a member code: without surrounding spaces, in
// capitals. Codes are stored so and typed codes are read so, so an elderly member who
// types "dv000646 " signs in as DV000646.
func MemberCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// Normalize trims the member's text fields, spells the code as MemberCode does and
// sets the name's sort key. Names are kept byte-exact otherwise.
func (m *Member) Normalize() {
	m.Code = MemberCode(m.Code)
	m.FullName = strings.TrimSpace(m.FullName)
	m.Phone = strings.TrimSpace(m.Phone)
	m.NameKey = NameKey(m.FullName)
	if m.Position == "" {
		m.Position = PositionMember
	}
}

// Validate reports every problem with the member's own fields.
func (m *Member) Validate() error {
	var p problems
	m.validate(&p)
	return p.err()
}

func (m *Member) validate(p *problems) {
	switch {
	case m.Code == "":
		p.add("code", CodeRequired, "")
	case !memberCodeRe.MatchString(m.Code):
		p.add("code", CodeInvalid, "")
	}
	p.text("fullName", m.FullName, true, 200)
	if m.OrganizationID <= 0 {
		p.add("organizationId", CodeRequired, "")
	}
	if !m.Position.Valid() {
		p.add("position", CodeOneOf, "secretary,deputy,member")
	}
	if m.Phone != "" && !phoneRe.MatchString(m.Phone) {
		p.add("phone", CodeInvalid, "")
	}
}

// ValidPIN reports whether pin has the accepted form: 4 to 8 digits.
func ValidPIN(pin string) bool { return pinRe.MatchString(pin) }

// MemberFilter selects members in a list.
type MemberFilter struct {
	OrganizationID int64 // with its sub-organizations when Subtree is set
	Subtree        bool
	Position       Position
	Active         *bool
	Exempt         *bool
	Query          string // part of the name, code or phone
	Code           string // the whole code, in any case
	// NotInvitedTo leaves out the members with a current invitation to this
	// conference, so an organizer who invites one more person finds only those who
	// can still be invited.
	NotInvitedTo int64
	Scope        Scope
	Page         Page
}

// ImportResult counts what a roster import did.
type ImportResult struct {
	Created int
	Updated int
}
