package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
)

const invitationViewSelect = `invitations.*, members.code AS member_code, members.full_name,
	members.position, members.exempt, members.organization_id, points.name AS point_name`

func (db *DB) invitationViews(ctx context.Context) *gorm.DB {
	return db.q(ctx).Table("invitations").Select(invitationViewSelect).
		Joins("JOIN members ON members.id = invitations.member_id").
		Joins("JOIN points ON points.id = invitations.point_id").
		Where("invitations.removed_at IS NULL")
}

// Invitations lists the current invitations of a conference matching f, by point and
// member name.
func (db *DB) Invitations(ctx context.Context, f attendance.InvitationFilter) (attendance.List[attendance.InvitationView], error) {
	q := scopeInvitations(db.invitationViews(ctx), f.Scope).Where("invitations.conference_id = ?", f.ConferenceID)
	if f.PointID != 0 {
		q = q.Where("invitations.point_id = ?", f.PointID)
	}
	if f.MemberID != 0 {
		q = q.Where("invitations.member_id = ?", f.MemberID)
	}
	q = db.contains(q, f.Query, "~members.full_name", "members.code")
	l, err := list[attendance.InvitationView](q, f.Page, "points.name, members.full_name_key, members.full_name, invitations.id")
	return l, translate(err, "list invitations")
}

// Invitation returns one current invitation, if s may see it (ErrNotFound).
func (db *DB) Invitation(ctx context.Context, s attendance.Scope, id int64) (attendance.InvitationView, error) {
	var v attendance.InvitationView
	err := scopeInvitations(db.invitationViews(ctx), s).Where("invitations.id = ?", id).Take(&v).Error
	return v, translate(err, fmt.Sprintf("invitation %d", id))
}

// CreateInvitation invites a member to a point by hand. A member removed earlier is
// invited again; a member already invited is ErrInvalid (memberId duplicate), so they
// are moved with UpdateInvitation instead.
func (db *DB) CreateInvitation(ctx context.Context, inv *attendance.Invitation) error {
	inv.Note = strings.TrimSpace(inv.Note)
	if err := validateInvitation(inv); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		c, err := db.invitationTarget(tx, inv)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&attendance.Member{}).Where("id = ?", inv.MemberID).Count(&n).Error; err != nil {
			return translate(err, "check member")
		}
		if n == 0 {
			return attendance.Invalid("memberId", attendance.CodeUnknown, "")
		}
		var old attendance.Invitation
		err = tx.Where("conference_id = ? AND member_id = ?", c.ID, inv.MemberID).First(&old).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			inv.ID, inv.Source, inv.RemovedAt = 0, attendance.SourceManual, nil
			return dupAsField(translate(tx.Create(inv).Error, "create invitation"), "memberId")
		case err != nil:
			return translate(err, "find invitation")
		case old.RemovedAt == nil:
			return attendance.Invalid("memberId", attendance.CodeDuplicate, fmt.Sprint(old.PointID))
		}
		inv.ID, inv.Source, inv.CreatedAt, inv.RemovedAt = old.ID, attendance.SourceManual, old.CreatedAt, nil
		return translate(tx.Model(inv).Select("point_id", "source", "note", "removed_at", "updated_at").Updates(inv).Error,
			"restore invitation")
	})
}

// UpdateInvitation moves a current invitation to another point of its conference or
// changes its note.
func (db *DB) UpdateInvitation(ctx context.Context, inv *attendance.Invitation) error {
	inv.Note = strings.TrimSpace(inv.Note)
	return db.tx(ctx, func(tx *gorm.DB) error {
		var old attendance.Invitation
		if err := tx.Where("removed_at IS NULL").First(&old, inv.ID).Error; err != nil {
			return translate(err, fmt.Sprintf("invitation %d", inv.ID))
		}
		inv.ConferenceID, inv.MemberID, inv.Source, inv.CreatedAt = old.ConferenceID, old.MemberID, old.Source, old.CreatedAt
		if err := validateInvitation(inv); err != nil {
			return err
		}
		if _, err := db.invitationTarget(tx, inv); err != nil {
			return err
		}
		return translate(tx.Model(inv).Select("point_id", "note", "updated_at").Updates(inv).Error, "update invitation")
	})
}

// DeleteInvitation withdraws an invitation. The row stays, marked removed, so that
// generating invitations again does not bring the member back.
func (db *DB) DeleteInvitation(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		var inv attendance.Invitation
		if err := tx.Where("removed_at IS NULL").First(&inv, id).Error; err != nil {
			return translate(err, fmt.Sprintf("invitation %d", id))
		}
		c, err := lockConference(tx, inv.ConferenceID)
		if err != nil {
			return err
		}
		if !c.Editable() {
			return fmt.Errorf("remove invitation %d: %w", id, attendance.ErrInvalidTransition)
		}
		now := db.now().UTC()
		return translate(tx.Model(&inv).Select("removed_at", "updated_at").
			Updates(attendance.Invitation{RemovedAt: &now, UpdatedAt: now}).Error, "remove invitation")
	})
}

// GenerateInvitations invites the members of the organizations of every point of a
// conference who have no invitation yet, and returns how many were added.
func (db *DB) GenerateInvitations(ctx context.Context, conferenceID int64) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockConference(tx, conferenceID)
		if err != nil {
			return err
		}
		if !c.Editable() {
			return fmt.Errorf("generate invitations %d: %w", c.ID, attendance.ErrInvalidTransition)
		}
		n, err = generateInvitations(tx, c, 0, db.now().UTC())
		return err
	})
	if err == nil && n >= bulkRows {
		db.analyze(ctx, "invitations")
	}
	return n, err
}

// invitationTarget checks that the conference is editable and the point belongs to it.
func (db *DB) invitationTarget(tx *gorm.DB, inv *attendance.Invitation) (attendance.Conference, error) {
	c, err := lockConference(tx, inv.ConferenceID)
	if err != nil {
		return c, err
	}
	if !c.Editable() {
		return c, fmt.Errorf("invitation of conference %d: %w", c.ID, attendance.ErrInvalidTransition)
	}
	var n int64
	if err := tx.Model(&attendance.Point{}).Where("id = ? AND conference_id = ?", inv.PointID, c.ID).Count(&n).Error; err != nil {
		return c, translate(err, "check point")
	}
	if n == 0 {
		return c, attendance.Invalid("pointId", attendance.CodeUnknown, "")
	}
	return c, nil
}

func validateInvitation(inv *attendance.Invitation) error {
	var fs []attendance.FieldError
	if inv.MemberID <= 0 {
		fs = append(fs, attendance.FieldError{Field: "memberId", Code: attendance.CodeRequired})
	}
	if inv.PointID <= 0 {
		fs = append(fs, attendance.FieldError{Field: "pointId", Code: attendance.CodeRequired})
	}
	if len([]rune(inv.Note)) > 500 {
		fs = append(fs, attendance.FieldError{Field: "note", Code: attendance.CodeTooLong, Param: "500"})
	}
	if len(fs) > 0 {
		return &attendance.ValidationError{Fields: fs}
	}
	return nil
}
