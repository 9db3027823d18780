package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// documentListColumns are a document's columns without its bytes.
var documentListColumns = []string{"id", "conference_id", "title", "file_name", "content_type", "size", "sha256",
	"secret", "by_account_id", "created_at"}

// CreateDocument stores a conference document. The caller detects ContentType from
// the bytes. It returns ErrNotFound (conference), ErrInvalid or ErrInvalidTransition
// (closed conference).
func (db *DB) CreateDocument(ctx context.Context, d *attendance.Document) error {
	d.ID = 0
	d.Size = int64(len(d.Data))
	d.Normalize()
	if err := d.Validate(); err != nil {
		return err
	}
	sum := sha256.Sum256(d.Data)
	d.SHA256 = hex.EncodeToString(sum[:])
	return db.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockConference(tx, d.ConferenceID)
		if err != nil {
			return err
		}
		if !c.Editable() {
			return fmt.Errorf("add document to conference %d: %w", c.ID, attendance.ErrInvalidTransition)
		}
		return translate(tx.Create(d).Error, "create document")
	})
}

// Documents lists a conference's documents without their bytes; secret ones only when
// withSecret is set (for the organizer).
func (db *DB) Documents(ctx context.Context, conferenceID int64, withSecret bool) ([]attendance.Document, error) {
	var ds []attendance.Document
	q := db.q(ctx).Select(documentListColumns).Where("conference_id = ?", conferenceID)
	if !withSecret {
		q = q.Where("secret = ?", false)
	}
	err := q.Order("created_at, id").Find(&ds).Error
	return ds, translate(err, "list documents")
}

// Document returns a document with its bytes (ErrNotFound). It never refuses a secret
// document itself: serving is the caller's decision, which must refuse it.
func (db *DB) Document(ctx context.Context, id int64) (attendance.Document, error) {
	var d attendance.Document
	err := db.q(ctx).First(&d, id).Error
	return d, translate(err, fmt.Sprintf("document %d", id))
}

// DeleteDocument removes a document of a conference that is not closed.
func (db *DB) DeleteDocument(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		var d attendance.Document
		if err := tx.Select(documentListColumns).First(&d, id).Error; err != nil {
			return translate(err, fmt.Sprintf("document %d", id))
		}
		c, err := lockConference(tx, d.ConferenceID)
		if err != nil {
			return err
		}
		if !c.Editable() {
			return fmt.Errorf("delete document %d: %w", id, attendance.ErrInvalidTransition)
		}
		return translate(tx.Delete(&attendance.Document{}, id).Error, "delete document")
	})
}

// MaterialsConference returns conference id if p may read its materials: it is in p's
// scope, or p is the approved substitute of a member invited to it (docs/design.md
// §13) — not invited themselves, so outside a member's scope, yet bound to study the
// materials (seed 001). It returns ErrNotFound otherwise.
func (db *DB) MaterialsConference(ctx context.Context, p attendance.Principal, id int64) (attendance.Conference, error) {
	c, err := db.Conference(ctx, p.Scope(), id)
	if err == nil || !errors.Is(err, attendance.ErrNotFound) || p.MemberID == 0 {
		return c, err
	}
	if _, err := db.ReadingPoint(ctx, id, p.MemberID); err != nil {
		return attendance.Conference{}, err
	}
	return db.Conference(ctx, attendance.Scope{All: true}, id)
}

// ReadingPoint returns the point a member's reading of a conference's materials counts
// for: their invited point, or for the approved substitute of an invited member that
// member's point, so the reading answers the invitation the substitute stands in for
// (docs/design.md §10, §13). It returns ErrNotFound when the member is neither.
func (db *DB) ReadingPoint(ctx context.Context, conferenceID, memberID int64) (int64, error) {
	var points []struct{ PointID, Substitute int64 }
	err := db.q(ctx).Raw(`SELECT point_id, 0 AS substitute FROM invitations
			WHERE conference_id = @c AND member_id = @m AND removed_at IS NULL
		UNION ALL
		SELECT i.point_id, 1 AS substitute FROM delegations d JOIN invitations i ON i.conference_id = d.conference_id
			AND i.member_id = d.member_id AND i.removed_at IS NULL
		WHERE d.conference_id = @c AND d.substitute_id = @m AND d.status = @approved
		ORDER BY substitute`,
		sql.Named("c", conferenceID), sql.Named("m", memberID), sql.Named("approved", attendance.DecisionApproved)).
		Scan(&points).Error
	if err != nil {
		return 0, translate(err, "reading point")
	}
	if len(points) == 0 {
		return 0, fmt.Errorf("reader %d of conference %d: %w", memberID, conferenceID, attendance.ErrNotFound)
	}
	return points[0].PointID, nil
}

// RecordRead records that a member opened a document from a point: the first time,
// the last, and how often.
func (db *DB) RecordRead(ctx context.Context, documentID, memberID, pointID int64) error {
	now := db.now().UTC()
	r := attendance.ReadReceipt{DocumentID: documentID, MemberID: memberID, PointID: pointID, FirstAt: now, LastAt: now, Opens: 1}
	err := db.q(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "document_id"}, {Name: "member_id"}},
		DoUpdates: clause.Set{
			{Column: clause.Column{Name: "last_at"}, Value: now},
			{Column: clause.Column{Name: "opens"}, Value: gorm.Expr("read_receipts.opens + 1")},
		},
	}).Create(&r).Error
	return translate(err, "record read")
}

// PointMaterials tells, for each member invited at a point, how many of the
// conference's documents they opened and when last. The documents an approved
// substitute opened count for the member they stand in for (docs/design.md §13).
func (db *DB) PointMaterials(ctx context.Context, pointID int64) ([]attendance.MaterialsStatus, error) {
	var p attendance.Point
	if err := db.q(ctx).First(&p, pointID).Error; err != nil {
		return nil, translate(err, fmt.Sprintf("point %d", pointID))
	}
	var views []attendance.InvitationView
	err := db.invitationViews(ctx).Where("invitations.conference_id = ? AND invitations.point_id = ?", p.ConferenceID, pointID).
		Order("members.full_name_key, members.full_name, invitations.id").Find(&views).Error
	if err != nil {
		return nil, translate(err, "point invitations")
	}
	// The receipts of the point's invitees and of their approved substitutes, each
	// under the invitee it counts for, summed here rather than in SQL: SQLite returns
	// MAX() of a time column as text, and a point's receipts are few.
	var receipts []struct {
		For, DocumentID int64
		LastAt          time.Time
	}
	err = db.q(ctx).Raw(`SELECT i.member_id AS "for", rr.document_id, rr.last_at
		FROM invitations i
		LEFT JOIN delegations d ON d.conference_id = i.conference_id AND d.member_id = i.member_id AND d.status = @approved
		JOIN read_receipts rr ON rr.member_id = i.member_id OR rr.member_id = d.substitute_id
		JOIN documents doc ON doc.id = rr.document_id AND doc.conference_id = i.conference_id
		WHERE i.conference_id = @c AND i.point_id = @p AND i.removed_at IS NULL`,
		sql.Named("approved", attendance.DecisionApproved), sql.Named("c", p.ConferenceID), sql.Named("p", pointID)).
		Scan(&receipts).Error
	if err != nil {
		return nil, translate(err, "point reads")
	}
	type sum struct {
		docs map[int64]bool
		last time.Time
	}
	byMember := map[int64]*sum{}
	for _, r := range receipts {
		s := byMember[r.For]
		if s == nil {
			s = &sum{docs: map[int64]bool{}}
			byMember[r.For] = s
		}
		s.docs[r.DocumentID] = true
		if r.LastAt.After(s.last) {
			s.last = r.LastAt
		}
	}
	out := make([]attendance.MaterialsStatus, len(views))
	for i, v := range views {
		out[i].InvitationView = v
		if s, ok := byMember[v.MemberID]; ok {
			last := s.last
			out[i].DocumentsOpened, out[i].LastOpenedAt = int64(len(s.docs)), &last
		}
	}
	return out, nil
}
