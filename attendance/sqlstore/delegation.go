package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
)

// delegationSnapshot is what the audit log keeps of a delegation.
type delegationSnapshot struct {
	Member             int64      `json:"memberId"`
	Conference         int64      `json:"conferenceId"`
	Substitute         int64      `json:"substituteId"`
	Reason             string     `json:"reason"`
	Status             string     `json:"status"`
	DecidedByAccountID *int64     `json:"decidedByAccountId,omitempty"`
	DecidedByMemberID  *int64     `json:"decidedByMemberId,omitempty"`
	DecidedAt          *time.Time `json:"decidedAt,omitempty"`
	Note               string     `json:"note,omitempty"`
}

func snapDelegation(d attendance.Delegation) delegationSnapshot {
	return delegationSnapshot{Member: d.MemberID, Conference: d.ConferenceID, Substitute: d.SubstituteID,
		Reason: d.Reason, Status: string(d.Status), DecidedByAccountID: d.DecidedByAccountID,
		DecidedByMemberID: d.DecidedByMemberID, DecidedAt: utc(d.DecidedAt), Note: d.DecisionNote}
}

// FileDelegation files an invited member's delegation to a substitute, and audits it.
// in.MemberID 0 means p's own. The substitute must be an active member, not invited to
// the conference themselves and not already substituting for someone else in it. It
// returns ErrInvalid (fields; substituteId unknown, invited, or duplicate),
// ErrNotFound, ErrForbidden, ErrNotInvited, ErrDeadline (conference closed) or
// ErrConflict (the member already has a pending or approved delegation).
func (db *DB) FileDelegation(ctx context.Context, p attendance.Principal, in attendance.DelegationInput) (attendance.Delegation, error) {
	var d attendance.Delegation
	if in.MemberID == 0 {
		in.MemberID = p.MemberID
	}
	if err := in.Validate(); err != nil {
		return d, err
	}
	if in.MemberID == 0 {
		return d, attendance.Invalid("memberId", attendance.CodeRequired, "")
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := mayFileFor(tx, p, in.MemberID); err != nil {
			return err
		}
		if err := visibleConference(tx, p, in.ConferenceID); err != nil {
			return err
		}
		conf, err := shareConference(tx, in.ConferenceID)
		if err != nil {
			return err
		}
		if conf.Status == attendance.StatusClosed {
			return fmt.Errorf("file delegation in conference %d: %w", conf.ID, attendance.ErrDeadline)
		}
		if _, err := invitedPoint(tx, conf.ID, in.MemberID); err != nil {
			return err
		}
		if err := checkSubstitute(tx, conf.ID, in.SubstituteID); err != nil {
			return err
		}
		now := db.now().UTC()
		d = attendance.Delegation{ConferenceID: conf.ID, MemberID: in.MemberID, SubstituteID: in.SubstituteID,
			Reason: in.Reason, Decision: attendance.Decision{Status: attendance.DecisionPending}, CreatedAt: now, UpdatedAt: now}
		d.FiledByAccountID, d.FiledByMemberID = p.Actor()
		if err := tx.Create(&d).Error; err != nil {
			return translate(err, "file delegation")
		}
		return db.auditChange(tx, p, attendance.ActionDelegationFile, objectDelegation, d.ID, "", nil, snapDelegation(d))
	})
	if err != nil {
		return attendance.Delegation{}, err
	}
	return d, nil
}

// checkSubstitute refuses a substitute who does not exist or is inactive (unknown),
// is invited to the conference themselves (invited, with their name: their check-in
// answers their own invitation), or already substitutes in an open delegation
// (duplicate).
func checkSubstitute(tx *gorm.DB, conferenceID, substituteID int64) error {
	var st struct {
		Active   *bool
		FullName string
		Invited  bool
		Busy     bool
	}
	err := tx.Raw(`SELECT
		(SELECT active FROM members WHERE id = @s) AS active,
		COALESCE((SELECT full_name FROM members WHERE id = @s), '') AS full_name,
		EXISTS (SELECT 1 FROM invitations WHERE conference_id = @c AND member_id = @s AND removed_at IS NULL) AS invited,
		EXISTS (SELECT 1 FROM delegations WHERE conference_id = @c AND substitute_id = @s AND status IN @open) AS busy`,
		sql.Named("s", substituteID), sql.Named("c", conferenceID),
		sql.Named("open", []attendance.DecisionStatus{attendance.DecisionPending, attendance.DecisionApproved})).
		Scan(&st).Error
	switch {
	case err != nil:
		return translate(err, "check substitute")
	case st.Active == nil || !*st.Active:
		return attendance.Invalid("substituteId", attendance.CodeUnknown, "")
	case st.Invited:
		return attendance.Invalid("substituteId", attendance.CodeInvited, st.FullName)
	case st.Busy:
		return attendance.Invalid("substituteId", attendance.CodeDuplicate, "")
	}
	return nil
}

// changeDelegation runs change on a delegation p may see, in one transaction, with
// its conference held against closing and the delegation locked. A closed conference
// is ErrDeadline.
func (db *DB) changeDelegation(ctx context.Context, p attendance.Principal, id int64,
	change func(tx *gorm.DB, d *attendance.Delegation, c attendance.Conference) error) error {
	return changeRecord(db, ctx, p, id, "delegations", "delegation", scopeDelegations,
		func(d attendance.Delegation) int64 { return d.ConferenceID }, change)
}

// WithdrawDelegation withdraws a pending delegation; only its member may. It returns
// ErrNotFound, ErrForbidden, ErrAlreadyDecided or ErrDeadline.
func (db *DB) WithdrawDelegation(ctx context.Context, p attendance.Principal, id int64) (attendance.Delegation, error) {
	var out attendance.Delegation
	err := db.changeDelegation(ctx, p, id, func(tx *gorm.DB, d *attendance.Delegation, _ attendance.Conference) error {
		before := snapDelegation(*d)
		if err := d.Withdraw(p, d.MemberID); err != nil {
			return fmt.Errorf("withdraw delegation %d: %w", id, err)
		}
		d.UpdatedAt = db.now().UTC()
		if err := tx.Model(d).Select("status", "updated_at").Updates(d).Error; err != nil {
			return translate(err, "withdraw delegation")
		}
		out = *d
		return db.auditChange(tx, p, attendance.ActionDelegationWithdraw, objectDelegation, d.ID, "", before, snapDelegation(*d))
	})
	return out, err
}

// DecideDelegation approves or rejects a pending delegation, with a note (required
// for a rejection), and audits it. The approver rules are those of absences (see
// CanDecide). It returns ErrInvalid, ErrNotFound, ErrDeadline, ErrAlreadyDecided,
// ErrSelfApproval or ErrNotApprover.
func (db *DB) DecideDelegation(ctx context.Context, p attendance.Principal, id int64, approved bool, note string) (attendance.Delegation, error) {
	var out attendance.Delegation
	note = strings.TrimSpace(note)
	if err := attendance.ValidateDecision(approved, note); err != nil {
		return out, err
	}
	err := db.changeDelegation(ctx, p, id, func(tx *gorm.DB, d *attendance.Delegation, conf attendance.Conference) error {
		before := snapDelegation(*d)
		now := db.now().UTC()
		if err := d.Decide(p, approved, note, now); err != nil {
			return fmt.Errorf("decide delegation %d: %w", id, err)
		}
		if p.MemberID != 0 && p.MemberID == d.SubstituteID {
			return fmt.Errorf("decide delegation %d: %w", id, attendance.ErrSelfApproval)
		}
		if err := canDecide(tx, p, conf, d.MemberID); err != nil {
			return fmt.Errorf("decide delegation %d: %w", id, err)
		}
		d.UpdatedAt = now
		if err := tx.Model(d).Select(append(attendance.DecisionColumns, "updated_at")).Updates(d).Error; err != nil {
			return translate(err, "decide delegation")
		}
		out = *d
		return db.auditChange(tx, p, attendance.ActionDelegationDecide, objectDelegation, d.ID, note, before, snapDelegation(*d))
	})
	return out, err
}

const delegationViewSelect = `delegations.*, members.code AS member_code, members.full_name, members.organization_id,
	subs.code AS substitute_code, subs.full_name AS substitute_name, subs.position AS substitute_position,
	subs.organization_id AS substitute_organization_id, conferences.title AS conference_title,
	COALESCE(invitations.point_id, 0) AS point_id`

func (db *DB) delegationViews(ctx context.Context) *gorm.DB {
	return db.q(ctx).Table("delegations").Select(delegationViewSelect).
		Joins("JOIN members ON members.id = delegations.member_id").
		Joins("JOIN members subs ON subs.id = delegations.substitute_id").
		Joins("JOIN conferences ON conferences.id = delegations.conference_id").
		Joins(`LEFT JOIN invitations ON invitations.conference_id = delegations.conference_id
			AND invitations.member_id = delegations.member_id AND invitations.removed_at IS NULL`)
}

// scopeDelegations limits a query joined with members (the delegating member) to the
// delegations s may see: as for absences, and a member also sees those naming them as
// the substitute.
func scopeDelegations(q *gorm.DB, s attendance.Scope) *gorm.DB {
	switch {
	case s.All:
		return q
	case len(s.OrgIDs) > 0:
		return q.Where(`(members.organization_id IN @orgs OR delegations.member_id = @me OR delegations.substitute_id = @me
			OR EXISTS (SELECT 1 FROM invitations si WHERE si.conference_id = delegations.conference_id
			AND si.member_id = delegations.member_id AND si.removed_at IS NULL AND si.point_id IN (`+chairPointsSQL+`)))`,
			sql.Named("orgs", s.OrgIDs), sql.Named("me", s.MemberID))
	}
	return q.Where("(delegations.member_id = ? OR delegations.substitute_id = ?)", s.MemberID, s.MemberID)
}

// Delegations lists the delegations matching f, newest first, with names.
func (db *DB) Delegations(ctx context.Context, f attendance.DelegationFilter) (attendance.List[attendance.DelegationView], error) {
	q := scopeDelegations(db.delegationViews(ctx), f.Scope)
	if f.ConferenceID != 0 {
		q = q.Where("delegations.conference_id = ?", f.ConferenceID)
	}
	if f.MemberID != 0 {
		q = q.Where("delegations.member_id = ?", f.MemberID)
	}
	if f.SubstituteID != 0 {
		q = q.Where("delegations.substitute_id = ?", f.SubstituteID)
	}
	if f.Status != "" {
		q = q.Where("delegations.status = ?", f.Status)
	}
	l, err := list[attendance.DelegationView](q, f.Page, "delegations.created_at DESC, delegations.id DESC")
	return l, translate(err, "list delegations")
}

// Delegation returns one delegation s may see (ErrNotFound).
func (db *DB) Delegation(ctx context.Context, s attendance.Scope, id int64) (attendance.DelegationView, error) {
	var v attendance.DelegationView
	err := scopeDelegations(db.delegationViews(ctx), s).Where("delegations.id = ?", id).Take(&v).Error
	return v, translate(err, fmt.Sprintf("delegation %d", id))
}
