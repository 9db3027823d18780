package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

var conferenceColumns = []string{"title", "description", "host_organization_id", "starts_at", "ends_at",
	"checkin_lead", "late_grace", "early_leave_grace", "invite_positions", "updated_at"}

// CreateConference stores a new scheduled conference. It returns ErrInvalid for bad
// fields or an unknown host organization.
func (db *DB) CreateConference(ctx context.Context, c *attendance.Conference) error {
	c.ID = 0
	c.Status = attendance.StatusScheduled
	c.StartedAt, c.EndedAt, c.ClosedAt = nil, nil, nil
	c.AuditHeadID, c.AuditHeadHash = nil, ""
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := checkHost(tx, c); err != nil {
			return err
		}
		return translate(tx.Create(c).Error, "create conference")
	})
}

// Conference returns the conference with id, if s may see it (ErrNotFound).
func (db *DB) Conference(ctx context.Context, s attendance.Scope, id int64) (attendance.Conference, error) {
	var c attendance.Conference
	err := scopeConferences(db.q(ctx), s).First(&c, "conferences.id = ?", id).Error
	return c, translate(err, fmt.Sprintf("conference %d", id))
}

// Conferences lists the conferences matching f, latest first.
func (db *DB) Conferences(ctx context.Context, f attendance.ConferenceFilter) (attendance.List[attendance.Conference], error) {
	q := scopeConferences(db.q(ctx).Model(&attendance.Conference{}), f.Scope)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if !f.From.IsZero() {
		q = q.Where("starts_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("starts_at < ?", f.To.UTC())
	}
	q = db.contains(q, f.Query, "~title")
	l, err := list[attendance.Conference](q, f.Page, "starts_at DESC, id DESC")
	return l, translate(err, "list conferences")
}

// UpdateConference saves the details of c (not its status). It returns ErrNotFound,
// ErrInvalid, or ErrInvalidTransition once the conference is closed.
func (db *DB) UpdateConference(ctx context.Context, c *attendance.Conference) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		old, err := lockConference(tx, c.ID)
		if err != nil {
			return err
		}
		if !old.Editable() {
			return fmt.Errorf("update conference %d: %w", c.ID, attendance.ErrInvalidTransition)
		}
		if err := checkHost(tx, c); err != nil {
			return err
		}
		c.Status, c.CreatedAt = old.Status, old.CreatedAt
		c.StartedAt, c.EndedAt, c.ClosedAt = old.StartedAt, old.EndedAt, old.ClosedAt
		return translate(tx.Model(c).Select(conferenceColumns).Updates(c).Error, "update conference")
	})
}

// DeleteConference removes a conference that has not started, with its points and
// invitations; ErrInvalidTransition once it has.
func (db *DB) DeleteConference(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockConference(tx, id)
		if err != nil {
			return err
		}
		if c.Status != attendance.StatusScheduled {
			return fmt.Errorf("delete conference %d: %w", id, attendance.ErrInvalidTransition)
		}
		return translate(tx.Delete(&attendance.Conference{}, id).Error, "delete conference")
	})
}

// TransitionConference applies action (start, end, close) to the conference. Starting
// it generates the invitations of every point from the rosters as they are now. It
// returns ErrNotFound, or ErrInvalidTransition when the action does not apply.
func (db *DB) TransitionConference(ctx context.Context, id int64, action string) (attendance.Conference, error) {
	var (
		c     attendance.Conference
		added int64
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if c, err = lockConference(tx, id); err != nil {
			return err
		}
		next, err := c.Transition(action)
		if err != nil {
			return fmt.Errorf("%s conference %d (%s): %w", action, id, c.Status, err)
		}
		now := db.now().UTC()
		c.Status = next
		cols := []string{"status", "updated_at"}
		switch next {
		case attendance.StatusLive:
			c.StartedAt = &now
			cols = append(cols, "started_at")
		case attendance.StatusEnded:
			c.EndedAt = &now
			cols = append(cols, "ended_at")
		case attendance.StatusClosed:
			c.ClosedAt = &now
			cols = append(cols, "closed_at")
		}
		if next == attendance.StatusClosed {
			if err := db.anchorClosing(tx, &c); err != nil {
				return err
			}
			cols = append(cols, "audit_head_id", "audit_head_hash")
		}
		if err := tx.Model(&c).Select(cols).Updates(&c).Error; err != nil {
			return translate(err, "update conference status")
		}
		if next == attendance.StatusLive {
			n, err := generateInvitations(tx, c, 0, now)
			added = n
			return err
		}
		return nil
	})
	if err == nil && added >= bulkRows {
		db.analyze(ctx, "invitations")
	}
	return c, err
}

// anchorClosing audits the closing of c in tx and keeps the entry as c's audit head:
// the report prints it, so a copy of the log's head at that moment lives outside the
// database, and a later cut of the log's end shows (VerifyAudit). The store's
// transitions carry no principal, so the entry names no actor.
func (db *DB) anchorClosing(tx *gorm.DB, c *attendance.Conference) error {
	type state struct {
		Status   attendance.ConferenceStatus `json:"status"`
		ClosedAt *time.Time                  `json:"closedAt,omitempty"`
	}
	e := attendance.AuditEntry{Action: attendance.ActionConferenceClose, ObjectType: objectConference, ObjectID: c.ID}
	var err error
	if e.Before, err = auditJSON(state{Status: attendance.StatusEnded}); err != nil {
		return err
	}
	if e.After, err = auditJSON(state{c.Status, utc(c.ClosedAt)}); err != nil {
		return err
	}
	if err := db.appendAudit(tx, &e); err != nil {
		return err
	}
	c.AuditHeadID, c.AuditHeadHash = &e.ID, e.Hash
	return nil
}

// lockConference reads a conference for update, so concurrent transitions and edits
// of the same conference take turns.
func lockConference(tx *gorm.DB, id int64) (attendance.Conference, error) {
	var c attendance.Conference
	q := tx
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.First(&c, id).Error
	return c, translate(err, fmt.Sprintf("conference %d", id))
}

func checkHost(tx *gorm.DB, c *attendance.Conference) error {
	if c.HostOrganizationID == nil {
		return nil
	}
	if err := checkOrganization(tx, *c.HostOrganizationID); err != nil {
		return attendance.Invalid("hostOrganizationId", attendance.CodeUnknown, "")
	}
	return nil
}
