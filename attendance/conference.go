package attendance

import (
	"slices"
	"strings"
	"time"
)

// ConferenceStatus is where a conference is in its life.
type ConferenceStatus string

// The statuses, in order: scheduled → live → ended → closed. Closing locks the record.
const (
	StatusScheduled ConferenceStatus = "scheduled"
	StatusLive      ConferenceStatus = "live"
	StatusEnded     ConferenceStatus = "ended"
	StatusClosed    ConferenceStatus = "closed"
)

// The defaults of docs/design.md §6.
const (
	DefaultCheckinLead     = 30 * time.Minute
	DefaultLateGrace       = 10 * time.Minute
	DefaultEarlyLeaveGrace = 10 * time.Minute
)

// Conference is one online conference streamed to its points. InvitePositions limits
// generated invitations to members in those positions (comma separated; empty: all).
type Conference struct {
	ID                 int64  `gorm:"primaryKey"`
	Title              string `gorm:"size:300;not null"`
	Description        string `gorm:"size:4000;not null"`
	HostOrganizationID *int64 `gorm:"index"`
	StartsAt           time.Time
	EndsAt             time.Time
	CheckinLead        time.Duration    `gorm:"not null"`
	LateGrace          time.Duration    `gorm:"not null"`
	EarlyLeaveGrace    time.Duration    `gorm:"not null"`
	InvitePositions    string           `gorm:"size:64;not null"`
	Status             ConferenceStatus `gorm:"size:16;not null;index"`
	StartedAt          *time.Time
	EndedAt            *time.Time
	ClosedAt           *time.Time
	// AuditHeadID and AuditHeadHash are the audit log's head when the conference was
	// last closed: the entry that records the closing. Its report prints them, so a
	// copy lives outside the database (AuditHead).
	AuditHeadID   *int64
	AuditHeadHash string `gorm:"size:64;not null"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// AuditHead returns the audit log's head recorded when the conference was last
// closed; ok is false when none was (never closed, or closed before heads were kept).
func (c *Conference) AuditHead() (h AuditHead, ok bool) {
	if c.AuditHeadID == nil || c.AuditHeadHash == "" {
		return AuditHead{}, false
	}
	return AuditHead{ID: *c.AuditHeadID, Hash: c.AuditHeadHash}, true
}

// Positions returns the positions invited, or nil for every position.
func (c *Conference) Positions() []Position {
	if c.InvitePositions == "" {
		return nil
	}
	var ps []Position
	for _, s := range strings.Split(c.InvitePositions, ",") {
		ps = append(ps, Position(s))
	}
	return ps
}

// SetPositions stores ps (deduplicated, in a stable order) as the invited positions.
func (c *Conference) SetPositions(ps []Position) {
	var out []string
	for _, p := range []Position{PositionSecretary, PositionDeputy, PositionMember} {
		if slices.Contains(ps, p) {
			out = append(out, string(p))
		}
	}
	c.InvitePositions = strings.Join(out, ",")
}

// Normalize trims text and fills unset durations with the defaults.
func (c *Conference) Normalize() {
	c.Title = strings.TrimSpace(c.Title)
	c.Description = strings.TrimSpace(c.Description)
	if c.Status == "" {
		c.Status = StatusScheduled
	}
}

// Validate reports every problem with the conference's own fields.
func (c *Conference) Validate() error {
	var p problems
	p.text("title", c.Title, true, 300)
	p.text("description", c.Description, false, 4000)
	if c.StartsAt.IsZero() {
		p.add("startsAt", CodeRequired, "")
	}
	if c.EndsAt.IsZero() {
		p.add("endsAt", CodeRequired, "")
	} else if !c.StartsAt.IsZero() && !c.EndsAt.After(c.StartsAt) {
		p.add("endsAt", CodeOrder, "startsAt")
	} else if c.EndsAt.Sub(c.StartsAt) > 7*24*time.Hour {
		p.add("endsAt", CodeRange, "7d")
	}
	dur := func(field string, d time.Duration) {
		if d < 0 || d > 24*time.Hour {
			p.add(field, CodeRange, "0-1440")
		}
	}
	dur("checkinLeadMinutes", c.CheckinLead)
	dur("lateGraceMinutes", c.LateGrace)
	dur("earlyLeaveGraceMinutes", c.EarlyLeaveGrace)
	for _, pos := range c.Positions() {
		if !pos.Valid() {
			p.add("invitePositions", CodeOneOf, "secretary,deputy,member")
			break
		}
	}
	return p.err()
}

// Editable reports whether the conference's details, points and invitations may still
// change: not once it is closed.
func (c *Conference) Editable() bool { return c.Status != StatusClosed }

// Transition returns the status an action moves the conference to, or
// ErrInvalidTransition. The actions are start, end and close.
func (c *Conference) Transition(action string) (ConferenceStatus, error) {
	next := map[string]struct{ from, to ConferenceStatus }{
		"start": {StatusScheduled, StatusLive},
		"end":   {StatusLive, StatusEnded},
		"close": {StatusEnded, StatusClosed},
	}
	t, ok := next[action]
	if !ok || c.Status != t.from {
		return "", ErrInvalidTransition
	}
	return t.to, nil
}

// ConferenceFilter selects conferences in a list.
type ConferenceFilter struct {
	Status ConferenceStatus
	From   time.Time // starting at or after
	To     time.Time // starting before
	Query  string
	Scope  Scope
	Page   Page
}

// Point is a bridge point: a room that follows a conference, attended by the members
// of the organizations attached to it.
type Point struct {
	ID              int64   `gorm:"primaryKey"`
	ConferenceID    int64   `gorm:"not null;index"`
	Name            string  `gorm:"size:300;not null"`
	Location        string  `gorm:"size:300;not null"`
	OrganizationIDs []int64 `gorm:"-"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// PointOrganization attaches an organization's roster to a point.
type PointOrganization struct {
	PointID        int64 `gorm:"primaryKey"`
	OrganizationID int64 `gorm:"primaryKey;index"`
}

// Normalize trims the point's text and removes repeated organizations.
func (pt *Point) Normalize() {
	pt.Name = strings.TrimSpace(pt.Name)
	pt.Location = strings.TrimSpace(pt.Location)
	slices.Sort(pt.OrganizationIDs)
	pt.OrganizationIDs = slices.Compact(pt.OrganizationIDs)
}

// Validate reports every problem with the point's own fields.
func (pt *Point) Validate() error {
	var p problems
	p.text("name", pt.Name, true, 300)
	p.text("location", pt.Location, false, 300)
	if len(pt.OrganizationIDs) > 1000 {
		p.add("organizationIds", CodeRange, "1000")
	}
	return p.err()
}

// PointFilter selects the points of a conference.
type PointFilter struct {
	ConferenceID int64
	Query        string
	Scope        Scope
	Page         Page
}

// InvitationSource tells how an invitation came to be.
type InvitationSource string

// The invitation sources.
const (
	SourceRoster InvitationSource = "roster" // generated from a point's organizations
	SourceManual InvitationSource = "manual" // added by an organizer
)

// Invitation says a member is expected at a point of a conference. A member has at most
// one invitation per conference. A removed invitation is kept (RemovedAt set) so that
// regenerating from the rosters does not bring it back.
type Invitation struct {
	ID           int64            `gorm:"primaryKey"`
	ConferenceID int64            `gorm:"not null;uniqueIndex:ux_invitation_member,priority:1"`
	MemberID     int64            `gorm:"not null;uniqueIndex:ux_invitation_member,priority:2;index"`
	PointID      int64            `gorm:"not null;index"`
	Source       InvitationSource `gorm:"size:16;not null"`
	Note         string           `gorm:"size:500;not null"`
	RemovedAt    *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// InvitationView is an invitation with the member's details, as lists show it.
type InvitationView struct {
	Invitation
	MemberCode     string
	FullName       string
	Position       Position
	Exempt         bool
	OrganizationID int64
	PointName      string
}

// InvitationFilter selects invitations of a conference.
type InvitationFilter struct {
	ConferenceID int64
	PointID      int64
	MemberID     int64
	Query        string
	Scope        Scope
	Page         Page
}
