package attendance

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Role is what a signed-in principal may do.
type Role string

// The roles. Staff accounts hold admin, organizer or supervisor; members signing in with
// their code and PIN are chairs when they are the secretary or deputy of their
// organization, and plain members otherwise.
const (
	RoleAdmin      Role = "admin"
	RoleOrganizer  Role = "organizer"
	RoleSupervisor Role = "supervisor"
	RoleChair      Role = "chair"
	RoleMember     Role = "member"
)

// StaffRoles are the roles an Account may hold.
var StaffRoles = []Role{RoleAdmin, RoleOrganizer, RoleSupervisor}

// Account is a staff sign-in: a login and a password hash.
type Account struct {
	ID           int64  `gorm:"primaryKey"`
	Login        string `gorm:"size:64;not null;uniqueIndex"`
	DisplayName  string `gorm:"size:200;not null"`
	Role         Role   `gorm:"size:16;not null"`
	PasswordHash string `gorm:"size:200;not null"`
	Active       bool   `gorm:"not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

var loginRe = regexp.MustCompile(`^[a-zA-Z0-9._@-]{3,64}$`)

// MinPasswordLength is the shortest password accepted for a staff account.
const MinPasswordLength = 10

// Normalize trims the account's text fields.
func (a *Account) Normalize() {
	a.Login = strings.TrimSpace(a.Login)
	a.DisplayName = strings.TrimSpace(a.DisplayName)
}

// Validate reports every problem with the account's own fields.
func (a *Account) Validate() error {
	var p problems
	if a.Login == "" {
		p.add("login", CodeRequired, "")
	} else if !loginRe.MatchString(a.Login) {
		p.add("login", CodeInvalid, "")
	}
	p.text("displayName", a.DisplayName, false, 200)
	if !slices.Contains(StaffRoles, a.Role) {
		p.add("role", CodeOneOf, "admin,organizer,supervisor")
	}
	return p.err()
}

// ValidatePassword reports a problem with a new password.
func ValidatePassword(pw string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return Invalid("password", CodeRange, "min 10")
	}
	if len(pw) > 256 {
		return Invalid("password", CodeTooLong, "256")
	}
	return nil
}

// Principal is who a request acts for, resolved from its session or token.
type Principal struct {
	Role      Role
	AccountID int64 // staff
	MemberID  int64 // members and chairs
	Name      string
	// OrgIDs are a chair's organization and those below it.
	OrgIDs []int64
	// Credentials is a signed-in member's credentials version (Member's), so a
	// one-tap cookie can be made without reading the member again.
	Credentials int
}

// Actor is who p is in a record's "by" columns: the account for staff, else the
// member; the other is nil.
func (p Principal) Actor() (account, member *int64) {
	if p.AccountID != 0 {
		id := p.AccountID
		return &id, nil
	}
	if p.MemberID != 0 {
		id := p.MemberID
		return nil, &id
	}
	return nil, nil
}

// Staff reports whether p signed in with a staff account.
func (p Principal) Staff() bool { return p.AccountID != 0 }

// Is reports whether p holds one of roles.
func (p Principal) Is(roles ...Role) bool { return slices.Contains(roles, p.Role) }

// Scope returns the part of the registry p may read.
func (p Principal) Scope() Scope {
	switch p.Role {
	case RoleAdmin, RoleOrganizer, RoleSupervisor:
		return Scope{All: true}
	case RoleChair:
		return Scope{OrgIDs: p.OrgIDs, MemberID: p.MemberID}
	default:
		return Scope{MemberID: p.MemberID}
	}
}

// Scope limits what a list or lookup returns. All reads everything; otherwise a record
// is visible when it belongs to one of OrgIDs (a chair's organizations, their members,
// the points and conferences those organizations take part in) or concerns MemberID
// itself.
type Scope struct {
	All      bool
	OrgIDs   []int64
	MemberID int64
}

// Session is a signed-in browser or API client. Only the SHA-256 of its token is kept,
// so a copy of the database does not let anyone sign in.
type Session struct {
	TokenHash  string `gorm:"primaryKey;size:64"`
	AccountID  *int64 `gorm:"index"`
	MemberID   *int64 `gorm:"index"`
	CreatedAt  time.Time
	ExpiresAt  time.Time `gorm:"index"`
	LastSeenAt time.Time
}

// Throttle is a lockout rule: after Max failures within Window the key is locked for
// Lockout.
type Throttle struct {
	Max     int
	Window  time.Duration
	Lockout time.Duration
}

// The lockout rules of sign-in and PIN check-in (docs/design.md §18.4): a
// member's PIN locks after 5 wrong tries in 15 minutes (a 6-digit PIN then takes years
// to guess online). An address is throttled, not locked, for the rest of a minute
// once 30 wrong PINs came from it within one: the guesser behind it is refused, while
// members without failures still sign in with their right PIN, so a hall behind one
// NAT keeps checking in.
var (
	ThrottleMember  = Throttle{Max: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
	ThrottleAccount = Throttle{Max: 10, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
	ThrottleAddress = Throttle{Max: 30, Window: time.Minute, Lockout: time.Minute}
)

// KeyState is what the lockout has on record for one key: the failures counted since
// WindowStart and the end of a lock, if any.
type KeyState struct {
	Key         string
	Failures    int
	WindowStart time.Time
	LockedUntil time.Time
}

// FailuresIn is the failures that still count under t at now: none once the window
// has passed, as SignInFailed starts a new one then.
func (k KeyState) FailuresIn(t Throttle, now time.Time) int {
	if now.Sub(k.WindowStart) > t.Window {
		return 0
	}
	return k.Failures
}

// Locked reports whether the key is locked at now.
func (k KeyState) Locked(now time.Time) bool { return now.Before(k.LockedUntil) }
