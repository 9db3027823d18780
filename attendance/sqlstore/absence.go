package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// forUpdate locks the rows a statement reads until the transaction ends (PostgreSQL;
// on SQLite the write transaction is already alone).
func forUpdate(tx *gorm.DB) *gorm.DB {
	if tx.Dialector.Name() == "postgres" {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// shareConference reads a conference and keeps it from changing status until the
// transaction ends, while other requests of the same conference go on side by side:
// closing takes the row for update, so it waits for them, and they see it closed after.
// visibleConference is ErrNotFound when conference id is outside p's scope, as reading
// it would be: filing for a conference one cannot see must not tell that it exists.
func visibleConference(tx *gorm.DB, p attendance.Principal, id int64) error {
	s := p.Scope()
	if s.All {
		return nil
	}
	var n int64
	err := scopeConferences(tx.Model(&attendance.Conference{}).Where("conferences.id = ?", id), s).Count(&n).Error
	if err == nil && n == 0 {
		err = gorm.ErrRecordNotFound
	}
	return translate(err, fmt.Sprintf("conference %d", id))
}

func shareConference(tx *gorm.DB, id int64) (attendance.Conference, error) {
	var c attendance.Conference
	q := tx
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "SHARE"})
	}
	err := q.First(&c, id).Error
	return c, translate(err, fmt.Sprintf("conference %d", id))
}

// absenceSnapshot is what the audit log keeps of an absence request.
type absenceSnapshot struct {
	Member             int64      `json:"memberId"`
	Conference         int64      `json:"conferenceId"`
	Kind               string     `json:"kind"`
	Category           string     `json:"category"`
	Reason             string     `json:"reason"`
	Status             string     `json:"status"`
	DecidedByAccountID *int64     `json:"decidedByAccountId,omitempty"`
	DecidedByMemberID  *int64     `json:"decidedByMemberId,omitempty"`
	DecidedAt          *time.Time `json:"decidedAt,omitempty"`
	DecisionNote       string     `json:"decisionNote,omitempty"`
	Overturned         bool       `json:"overturned,omitempty"`
}

func snapAbsence(a attendance.AbsenceRequest) absenceSnapshot {
	return absenceSnapshot{Member: a.MemberID, Conference: a.ConferenceID, Kind: string(a.Kind),
		Category: string(a.Category), Reason: a.Reason, Status: string(a.Status),
		DecidedByAccountID: a.DecidedByAccountID, DecidedByMemberID: a.DecidedByMemberID, DecidedAt: utc(a.DecidedAt),
		DecisionNote: a.DecisionNote, Overturned: a.Overturned}
}

// utc returns t in UTC, so audited JSON does not depend on the zone a driver reads
// times in.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// attachmentSnapshot is what the audit log keeps of a supporting document: enough to
// prove which file it was, not the file.
type attachmentSnapshot struct {
	FileName string `json:"fileName"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
}

// The object types of audit entries written here.
const (
	objectAbsence    = "absence"
	objectDelegation = "delegation"
	objectConference = "conference"
)

// mayFileFor checks that p may file a request for member: the member themselves, an
// organizer or administrator, or a chair whose organizations include the member. A
// member outside p's scope is ErrNotFound; a supervisor (who reviews, never files) or
// anyone else is ErrForbidden.
func mayFileFor(tx *gorm.DB, p attendance.Principal, memberID int64) error {
	if p.MemberID != 0 && p.MemberID == memberID {
		return nil
	}
	var m attendance.Member
	if err := scopeMembers(tx, p.Scope()).Select("members.id").First(&m, "members.id = ?", memberID).Error; err != nil {
		return translate(err, fmt.Sprintf("member %d", memberID))
	}
	if p.Is(attendance.RoleAdmin, attendance.RoleOrganizer, attendance.RoleChair) {
		return nil
	}
	return fmt.Errorf("file for member %d: %w", memberID, attendance.ErrForbidden)
}

// invitedPoint returns the point a member is invited to in a conference, or
// ErrNotInvited.
func invitedPoint(tx *gorm.DB, conferenceID, memberID int64) (int64, error) {
	var ids []int64
	err := tx.Model(&attendance.Invitation{}).Where("conference_id = ? AND member_id = ? AND removed_at IS NULL",
		conferenceID, memberID).Limit(1).Pluck("point_id", &ids).Error
	if err != nil {
		return 0, translate(err, "find invitation")
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("member %d in conference %d: %w", memberID, conferenceID, attendance.ErrNotInvited)
	}
	return ids[0], nil
}

// FileAbsence files a member's absence request (before the conference starts) or
// explanation (after), with its supporting documents, and audits it. in.MemberID 0
// means p's own. It returns ErrInvalid (fields, files), ErrNotFound (conference, or a
// member outside p's scope), ErrForbidden (p may not file for them), ErrNotInvited,
// ErrDeadline (conference closed), ErrCheckedIn (the member is checked in: present,
// with nothing to explain) or ErrConflict (the member already has a pending or
// approved request for the conference).
func (db *DB) FileAbsence(ctx context.Context, p attendance.Principal, in attendance.AbsenceInput) (attendance.AbsenceRequest, error) {
	var a attendance.AbsenceRequest
	if in.MemberID == 0 {
		in.MemberID = p.MemberID
	}
	if err := in.Validate(); err != nil {
		return a, err
	}
	if in.MemberID == 0 {
		return a, attendance.Invalid("memberId", attendance.CodeRequired, "")
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
			return fmt.Errorf("file absence in conference %d: %w", conf.ID, attendance.ErrDeadline)
		}
		if _, err := invitedPoint(tx, conf.ID, in.MemberID); err != nil {
			return err
		}
		if err := notCheckedIn(tx, conf.ID, in.MemberID); err != nil {
			return err
		}
		now := db.now().UTC()
		a = attendance.AbsenceRequest{ConferenceID: conf.ID, MemberID: in.MemberID, Kind: conf.KindAt(now),
			Category: in.Category, Reason: in.Reason, Decision: attendance.Decision{Status: attendance.DecisionPending},
			CreatedAt: now, UpdatedAt: now}
		a.FiledByAccountID, a.FiledByMemberID = p.Actor()
		if err := tx.Create(&a).Error; err != nil {
			return translate(err, "file absence")
		}
		files, err := insertAttachments(tx, a.ID, in.Attachments, now)
		if err != nil {
			return err
		}
		after := struct {
			absenceSnapshot
			Attachments []attachmentSnapshot `json:"attachments,omitempty"`
		}{snapAbsence(a), files}
		return db.auditChange(tx, p, attendance.ActionAbsenceFile, objectAbsence, a.ID, "", nil, after)
	})
	if err != nil {
		return attendance.AbsenceRequest{}, err
	}
	return a, nil
}

// notCheckedIn refuses a request or explanation of a member checked in at the
// conference (ErrCheckedIn): a check-in not undone makes them present whatever is
// filed (docs/design.md §10.2), and an approved "absence" beside it would only
// mislead whoever reads the record. It reads in the transaction of the insert; on
// PostgreSQL it holds the check-in, so an undo under way is waited for and seen. A
// check-in first made while this transaction runs is not seen: the member then has
// both, and the outcome still counts them present.
func notCheckedIn(tx *gorm.DB, conferenceID, memberID int64) error {
	var ids []int64
	q := tx.Model(&attendance.CheckIn{})
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "SHARE"})
	}
	err := q.Where("conference_id = ? AND member_id = ? AND undone_at IS NULL", conferenceID, memberID).
		Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return translate(err, "find check-in")
	}
	if len(ids) > 0 {
		return fmt.Errorf("member %d in conference %d: %w", memberID, conferenceID, attendance.ErrCheckedIn)
	}
	return nil
}

func insertAttachments(tx *gorm.DB, absenceID int64, files []attendance.AbsenceAttachment, now time.Time) ([]attachmentSnapshot, error) {
	snaps := make([]attachmentSnapshot, 0, len(files))
	for i := range files {
		f := &files[i]
		sum := sha256.Sum256(f.Data)
		f.ID, f.AbsenceID, f.Size, f.SHA256, f.CreatedAt = 0, absenceID, int64(len(f.Data)), hex.EncodeToString(sum[:]), now
		if err := tx.Create(f).Error; err != nil {
			return nil, translate(err, "store attachment")
		}
		snaps = append(snaps, attachmentSnapshot{FileName: f.FileName, Size: f.Size, SHA256: f.SHA256})
	}
	return snaps, nil
}

// AddAbsenceAttachments adds supporting documents to a pending request of p's own,
// or one p filed, while the conference is not closed. It returns ErrNotFound,
// ErrForbidden, ErrInvalid (type, size, more than MaxAttachments in all),
// ErrAlreadyDecided or ErrDeadline.
func (db *DB) AddAbsenceAttachments(ctx context.Context, p attendance.Principal, absenceID int64, files []attendance.AbsenceAttachment) ([]attendance.AbsenceAttachment, error) {
	err := db.changeAbsence(ctx, p, absenceID, func(tx *gorm.DB, a *attendance.AbsenceRequest, _ attendance.Conference) error {
		if !filedBy(p, a.MemberID, a.FiledByAccountID, a.FiledByMemberID) {
			return fmt.Errorf("attach to absence %d: %w", a.ID, attendance.ErrForbidden)
		}
		if a.Status != attendance.DecisionPending {
			return fmt.Errorf("attach to absence %d (%s): %w", a.ID, a.Status, attendance.ErrAlreadyDecided)
		}
		var n int64
		if err := tx.Model(&attendance.AbsenceAttachment{}).Where("absence_id = ?", a.ID).Count(&n).Error; err != nil {
			return translate(err, "count attachments")
		}
		if err := attendance.ValidateAttachments(int(n), files); err != nil {
			return err
		}
		snaps, err := insertAttachments(tx, a.ID, files, db.now().UTC())
		if err != nil {
			return err
		}
		return db.auditChange(tx, p, attendance.ActionAbsenceAttach, objectAbsence, a.ID, "", nil, snaps)
	})
	if err != nil {
		return nil, err
	}
	for i := range files {
		files[i].Data = nil
	}
	return files, nil
}

// filedBy reports whether p is the member of a request or filed it.
func filedBy(p attendance.Principal, memberID int64, byAccount, byMember *int64) bool {
	switch {
	case p.MemberID != 0 && p.MemberID == memberID:
		return true
	case p.AccountID != 0 && byAccount != nil && *byAccount == p.AccountID:
		return true
	case p.MemberID != 0 && byMember != nil && *byMember == p.MemberID:
		return true
	}
	return false
}

// changeAbsence runs change on a request p may see, in one transaction, with its
// conference held against closing and the request locked. A closed conference is
// ErrDeadline.
func (db *DB) changeAbsence(ctx context.Context, p attendance.Principal, id int64,
	change func(tx *gorm.DB, a *attendance.AbsenceRequest, c attendance.Conference) error) error {
	return changeRecord(db, ctx, p, id, "absence_requests", "absence", scopeAbsences,
		func(a attendance.AbsenceRequest) int64 { return a.ConferenceID }, change)
}

// changeRecord is changeAbsence and changeDelegation: it finds the record of table in
// p's scope, holds its conference against closing (ErrDeadline once closed), locks the
// record and runs change, all in one transaction.
func changeRecord[T any](db *DB, ctx context.Context, p attendance.Principal, id int64, table, what string,
	scope func(*gorm.DB, attendance.Scope) *gorm.DB, conferenceOf func(T) int64,
	change func(tx *gorm.DB, rec *T, c attendance.Conference) error) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		var seen T
		err := scope(tx.Table(table).Select(table+".*").
			Joins("JOIN members ON members.id = "+table+".member_id"), p.Scope()).
			Where(table+".id = ?", id).Take(&seen).Error
		if err != nil {
			return translate(err, fmt.Sprintf("%s %d", what, id))
		}
		conf, err := shareConference(tx, conferenceOf(seen))
		if err != nil {
			return err
		}
		if conf.Status == attendance.StatusClosed {
			return fmt.Errorf("change %s %d: %w", what, id, attendance.ErrDeadline)
		}
		var rec T
		if err := forUpdate(tx).First(&rec, id).Error; err != nil {
			return translate(err, fmt.Sprintf("%s %d", what, id))
		}
		return change(tx, &rec, conf)
	})
}

// WithdrawAbsence withdraws a pending request; only its member may. It returns
// ErrNotFound, ErrForbidden, ErrAlreadyDecided (no longer pending) or ErrDeadline.
func (db *DB) WithdrawAbsence(ctx context.Context, p attendance.Principal, id int64) (attendance.AbsenceRequest, error) {
	var out attendance.AbsenceRequest
	err := db.changeAbsence(ctx, p, id, func(tx *gorm.DB, a *attendance.AbsenceRequest, _ attendance.Conference) error {
		before := snapAbsence(*a)
		if err := a.Withdraw(p, a.MemberID); err != nil {
			return fmt.Errorf("withdraw absence %d: %w", id, err)
		}
		a.UpdatedAt = db.now().UTC()
		if err := tx.Model(a).Select("status", "updated_at").Updates(a).Error; err != nil {
			return translate(err, "withdraw absence")
		}
		out = *a
		return db.auditChange(tx, p, attendance.ActionAbsenceWithdraw, objectAbsence, a.ID, "", before, snapAbsence(*a))
	})
	return out, err
}

// DecideAbsence approves or rejects a pending request, with a note (required for a
// rejection), and audits the decision. It returns ErrInvalid (note), ErrNotFound
// (not in p's scope), ErrDeadline (conference closed), ErrAlreadyDecided,
// ErrSelfApproval or ErrNotApprover (see CanDecide).
func (db *DB) DecideAbsence(ctx context.Context, p attendance.Principal, id int64, approved bool, note string) (attendance.AbsenceRequest, error) {
	var out attendance.AbsenceRequest
	note = strings.TrimSpace(note)
	if err := attendance.ValidateDecision(approved, note); err != nil {
		return out, err
	}
	err := db.changeAbsence(ctx, p, id, func(tx *gorm.DB, a *attendance.AbsenceRequest, conf attendance.Conference) error {
		before := snapAbsence(*a)
		now := db.now().UTC()
		if err := a.Decide(p, approved, note, now); err != nil {
			return fmt.Errorf("decide absence %d: %w", id, err)
		}
		if err := canDecide(tx, p, conf, a.MemberID); err != nil {
			return fmt.Errorf("decide absence %d: %w", id, err)
		}
		a.UpdatedAt = now
		if err := tx.Model(a).Select(append(attendance.DecisionColumns, "updated_at")).Updates(a).Error; err != nil {
			return translate(err, "decide absence")
		}
		out = *a
		return db.auditChange(tx, p, attendance.ActionAbsenceDecide, objectAbsence, a.ID, note, before, snapAbsence(*a))
	})
	return out, err
}

// CanDecide tells whether p may decide a's request (or, for a delegation, the same
// member's): nil, ErrSelfApproval or ErrNotApprover. The rules (docs/design.md §12.4,
// seed 004):
//
//   - Nobody decides their own request (ErrSelfApproval).
//   - An organizer or administrator account decides any request; a supervisor never
//     does (supervision reviews and overturns instead).
//   - A secretary's request is decided by an organizer only: not by their deputy.
//   - Otherwise the chair of the member's point decides: an active member who is the
//     secretary of an organization attached to the point the member is invited to, or
//     of an organization under an attached one that contains the member (a point
//     attached to a đảng bộ is chaired by it or by the member's own chi bộ).
//   - A deputy of such an organization decides in the secretary's stead only when the
//     secretary is away: there is no active secretary, or the secretary's absence or
//     delegation for this conference is approved, or the conference has started and
//     the secretary has not checked in.
//
// Positions and attachments are read as they are now.
func (db *DB) CanDecide(ctx context.Context, p attendance.Principal, a attendance.AbsenceRequest) error {
	var conf attendance.Conference
	if err := db.q(ctx).First(&conf, a.ConferenceID).Error; err != nil {
		return translate(err, fmt.Sprintf("conference %d", a.ConferenceID))
	}
	return canDecide(db.q(ctx), p, conf, a.MemberID)
}

func canDecide(q *gorm.DB, p attendance.Principal, conf attendance.Conference, memberID int64) error {
	if p.MemberID != 0 && p.MemberID == memberID {
		return attendance.ErrSelfApproval
	}
	if p.Staff() {
		if p.Is(attendance.RoleAdmin, attendance.RoleOrganizer) {
			return nil
		}
		return attendance.ErrNotApprover
	}
	if p.MemberID == 0 {
		return attendance.ErrNotApprover
	}
	var ms []attendance.Member
	if err := q.Where("id IN ?", []int64{memberID, p.MemberID}).Find(&ms).Error; err != nil {
		return translate(err, "approver and member")
	}
	var absent, chair *attendance.Member
	for i := range ms {
		switch ms[i].ID {
		case memberID:
			absent = &ms[i]
		case p.MemberID:
			chair = &ms[i]
		}
	}
	switch {
	case absent == nil || chair == nil || !chair.Active:
		return attendance.ErrNotApprover
	case chair.Position != attendance.PositionSecretary && chair.Position != attendance.PositionDeputy:
		return attendance.ErrNotApprover
	case absent.Position == attendance.PositionSecretary:
		return attendance.ErrNotApprover
	}
	pointID, err := invitedPoint(q, conf.ID, memberID)
	if err != nil {
		return attendance.ErrNotApprover
	}
	var attached []int64
	if err := q.Model(&attendance.PointOrganization{}).Where("point_id = ?", pointID).Pluck("organization_id", &attached).Error; err != nil {
		return translate(err, "point organizations")
	}
	if !slices.Contains(attached, chair.OrganizationID) {
		under, err := subtree(q, attached)
		if err != nil {
			return err
		}
		mine, err := subtree(q, []int64{chair.OrganizationID})
		if err != nil {
			return err
		}
		if !slices.Contains(under, chair.OrganizationID) || !slices.Contains(mine, absent.OrganizationID) {
			return attendance.ErrNotApprover
		}
	}
	if chair.Position == attendance.PositionDeputy {
		away, err := secretaryAway(q, conf, chair.OrganizationID)
		if err != nil {
			return err
		}
		if !away {
			return attendance.ErrNotApprover
		}
	}
	return nil
}

// subtree returns the organizations at and under roots.
func subtree(q *gorm.DB, roots []int64) ([]int64, error) {
	if len(roots) == 0 {
		return nil, nil
	}
	var ids []int64
	err := q.Raw(subtreeSQL, roots).Scan(&ids).Error
	return ids, translate(err, "organization subtree")
}

// secretaryAway reports whether an organization's secretary is away from a
// conference, so that its deputy chairs: no active secretary; or each is excused (an
// approved absence or delegation) or, once the conference started, not checked in.
func secretaryAway(q *gorm.DB, conf attendance.Conference, orgID int64) (bool, error) {
	var secs []int64
	err := q.Model(&attendance.Member{}).Where("organization_id = ? AND position = ? AND active = ?",
		orgID, attendance.PositionSecretary, true).Pluck("id", &secs).Error
	if err != nil {
		return false, translate(err, "secretaries")
	}
	if len(secs) == 0 {
		return true, nil
	}
	var excused []int64
	err = q.Raw(`SELECT member_id FROM absence_requests WHERE conference_id = @c AND member_id IN @m AND status = @s
		UNION SELECT member_id FROM delegations WHERE conference_id = @c AND member_id IN @m AND status = @s`,
		sql.Named("c", conf.ID), sql.Named("m", secs), sql.Named("s", attendance.DecisionApproved)).Scan(&excused).Error
	if err != nil {
		return false, translate(err, "secretary excused")
	}
	var in []int64
	if conf.Status != attendance.StatusScheduled {
		err = q.Model(&attendance.CheckIn{}).Where("conference_id = ? AND member_id IN ? AND undone_at IS NULL", conf.ID, secs).
			Pluck("member_id", &in).Error
		if err != nil {
			return false, translate(err, "secretary checked in")
		}
	}
	for _, s := range secs {
		switch {
		case slices.Contains(excused, s):
		case conf.Status != attendance.StatusScheduled && !slices.Contains(in, s):
		default:
			return false, nil // this secretary is there
		}
	}
	return true, nil
}

// absenceViewSelect is an absence with its member, conference and invited point.
const absenceViewSelect = `absence_requests.*, members.code AS member_code, members.full_name, members.position,
	members.organization_id, conferences.title AS conference_title, COALESCE(invitations.point_id, 0) AS point_id`

func (db *DB) absenceViews(ctx context.Context) *gorm.DB {
	return db.q(ctx).Table("absence_requests").Select(absenceViewSelect).
		Joins("JOIN members ON members.id = absence_requests.member_id").
		Joins("JOIN conferences ON conferences.id = absence_requests.conference_id").
		Joins(`LEFT JOIN invitations ON invitations.conference_id = absence_requests.conference_id
			AND invitations.member_id = absence_requests.member_id AND invitations.removed_at IS NULL`)
}

// scopeAbsences limits a query joined with members to the requests s may see: a
// chair's are those of members of their organizations, of members invited to the
// points their organizations take part in, and their own; a member's, their own.
func scopeAbsences(q *gorm.DB, s attendance.Scope) *gorm.DB {
	switch {
	case s.All:
		return q
	case len(s.OrgIDs) > 0:
		return q.Where(`(members.organization_id IN @orgs OR absence_requests.member_id = @me OR EXISTS (
			SELECT 1 FROM invitations si WHERE si.conference_id = absence_requests.conference_id
			AND si.member_id = absence_requests.member_id AND si.removed_at IS NULL AND si.point_id IN (`+chairPointsSQL+`)))`,
			sql.Named("orgs", s.OrgIDs), sql.Named("me", s.MemberID))
	}
	return q.Where("absence_requests.member_id = ?", s.MemberID)
}

// Absences lists the requests matching f, newest first, with member and conference
// names (attachments are not loaded).
func (db *DB) Absences(ctx context.Context, f attendance.AbsenceFilter) (attendance.List[attendance.AbsenceView], error) {
	q := scopeAbsences(db.absenceViews(ctx), f.Scope)
	if f.ConferenceID != 0 {
		q = q.Where("absence_requests.conference_id = ?", f.ConferenceID)
	}
	if f.MemberID != 0 {
		q = q.Where("absence_requests.member_id = ?", f.MemberID)
	}
	if f.Status != "" {
		q = q.Where("absence_requests.status = ?", f.Status)
	}
	if f.Kind != "" {
		q = q.Where("absence_requests.kind = ?", f.Kind)
	}
	if len(f.OrganizationIDs) > 0 {
		q = q.Where("members.organization_id IN ?", f.OrganizationIDs)
	}
	if !f.From.IsZero() {
		q = q.Where("conferences.starts_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("conferences.starts_at < ?", f.To.UTC())
	}
	l, err := list[attendance.AbsenceView](q, f.Page, "absence_requests.created_at DESC, absence_requests.id DESC")
	return l, translate(err, "list absences")
}

// attachmentListColumns are an attachment's columns without its bytes.
var attachmentListColumns = []string{"id", "absence_id", "file_name", "content_type", "size", "sha256", "created_at"}

// Absence returns one request s may see, with its attachments' details (not their
// bytes). It returns ErrNotFound.
func (db *DB) Absence(ctx context.Context, s attendance.Scope, id int64) (attendance.AbsenceView, error) {
	var v attendance.AbsenceView
	err := scopeAbsences(db.absenceViews(ctx), s).Where("absence_requests.id = ?", id).Take(&v).Error
	if err != nil {
		return v, translate(err, fmt.Sprintf("absence %d", id))
	}
	v.Attachments = []attendance.AbsenceAttachment{}
	err = db.q(ctx).Select(attachmentListColumns).Where("absence_id = ?", id).Order("id").Find(&v.Attachments).Error
	return v, translate(err, "absence attachments")
}

// AbsenceAttachment returns a supporting document with its bytes, if s may see its
// request (ErrNotFound).
func (db *DB) AbsenceAttachment(ctx context.Context, s attendance.Scope, id int64) (attendance.AbsenceAttachment, error) {
	var f attendance.AbsenceAttachment
	q := db.q(ctx).Table("absence_attachments").Select("absence_attachments.*").
		Joins("JOIN absence_requests ON absence_requests.id = absence_attachments.absence_id").
		Joins("JOIN members ON members.id = absence_requests.member_id")
	err := scopeAbsences(q, s).Where("absence_attachments.id = ?", id).Take(&f).Error
	return f, translate(err, fmt.Sprintf("attachment %d", id))
}

// ReviewAbsence records the supervisory committee's review of a request: reviewed,
// flagged (with a note) or overturned (with the reason), and audits it. Overturning
// flips an approved request to rejected or a rejected one to approved and marks it
// Overturned. Supervision may act after the conference closed: its own act is audited
// with its reason, which is what the reopen rule protects. It returns ErrForbidden
// (not a supervisor), ErrInvalid (action, note), ErrNotFound, ErrInvalidTransition
// (overturning a request that is pending or withdrawn) or ErrConflict (approving it
// would give the member two open requests).
func (db *DB) ReviewAbsence(ctx context.Context, p attendance.Principal, id int64, action attendance.ReviewAction, note string) (attendance.Review, error) {
	var r attendance.Review
	if !p.Staff() || !p.Is(attendance.RoleSupervisor) {
		return r, fmt.Errorf("review absence %d: %w", id, attendance.ErrForbidden)
	}
	if err := attendance.ValidateReview(action, &note); err != nil {
		return r, err
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var a attendance.AbsenceRequest
		if err := forUpdate(tx).First(&a, id).Error; err != nil {
			return translate(err, fmt.Sprintf("absence %d", id))
		}
		now := db.now().UTC()
		r = attendance.Review{AbsenceID: a.ID, ReviewerAccountID: p.AccountID, Action: action, Note: note, CreatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return translate(err, "record review")
		}
		if action != attendance.ReviewOverturned {
			after := map[string]any{"action": action, "reviewId": r.ID}
			return db.auditChange(tx, p, attendance.ActionAbsenceReview, objectAbsence, a.ID, note, nil, after)
		}
		before := snapAbsence(a)
		switch a.Status {
		case attendance.DecisionApproved:
			a.Status = attendance.DecisionRejected
		case attendance.DecisionRejected:
			a.Status = attendance.DecisionApproved
		default:
			return fmt.Errorf("overturn absence %d (%s): %w", id, a.Status, attendance.ErrInvalidTransition)
		}
		a.Overturned, a.UpdatedAt = true, now
		if err := tx.Model(&a).Select("status", "overturned", "updated_at").Updates(&a).Error; err != nil {
			return translate(err, "overturn absence")
		}
		return db.auditChange(tx, p, attendance.ActionAbsenceOverturn, objectAbsence, a.ID, note, before, snapAbsence(a))
	})
	if err != nil {
		return attendance.Review{}, err
	}
	return r, nil
}

// Reviews lists the reviews of a request, oldest first.
func (db *DB) Reviews(ctx context.Context, absenceID int64) ([]attendance.Review, error) {
	rs := []attendance.Review{}
	err := db.q(ctx).Where("absence_id = ?", absenceID).Order("id").Find(&rs).Error
	return rs, translate(err, "list reviews")
}
