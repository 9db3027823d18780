package attendance

import (
	"strings"
	"time"
)

// OrgKind is the kind of a Party organization: a đảng bộ (which has organizations
// under it) or a chi bộ (a cell, whose members meet together).
type OrgKind string

// The organization kinds.
const (
	KindDangBo OrgKind = "dang_bo"
	KindChiBo  OrgKind = "chi_bo"
)

// Organization is a node of the organization tree. Code is the short reference used in
// imported rosters; it is unique when set.
type Organization struct {
	ID        int64   `gorm:"primaryKey"`
	ParentID  *int64  `gorm:"index"`
	Code      *string `gorm:"size:64;uniqueIndex"`
	Name      string  `gorm:"size:300;not null"`
	Kind      OrgKind `gorm:"size:16;not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Normalize trims the record's text fields and turns an empty code into none.
func (o *Organization) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	if o.Code != nil {
		c := strings.TrimSpace(*o.Code)
		if c == "" {
			o.Code = nil
		} else {
			o.Code = &c
		}
	}
}

// Validate reports every problem with the record's own fields.
func (o *Organization) Validate() error {
	var p problems
	p.text("name", o.Name, true, 300)
	if o.Code != nil {
		p.text("code", *o.Code, false, 64)
	}
	if o.Kind != KindDangBo && o.Kind != KindChiBo {
		p.add("kind", CodeOneOf, "dang_bo,chi_bo")
	}
	if o.ParentID != nil && o.ID != 0 && *o.ParentID == o.ID {
		p.add("parentId", CodeSelfCycle, "")
	}
	return p.err()
}

// OrganizationFilter selects organizations in a list.
type OrganizationFilter struct {
	ParentID *int64  // direct children of this organization
	Roots    bool    // only organizations without a parent
	Kind     OrgKind // empty: any
	Query    string  // part of the name (also without diacritics) or code, case-insensitive
	Scope    Scope
	Page     Page
}
