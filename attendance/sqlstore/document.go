package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
// conference's documents they opened and when last.
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
	// The receipts are summed here rather than in SQL: SQLite returns MAX() of a time
	// column as text, and a point's receipts are few.
	var receipts []attendance.ReadReceipt
	err = db.q(ctx).Table("read_receipts").Select("read_receipts.member_id, read_receipts.last_at").
		Joins("JOIN documents d ON d.id = read_receipts.document_id").
		Where("d.conference_id = ? AND read_receipts.member_id IN (SELECT member_id FROM invitations WHERE conference_id = ? AND point_id = ?)",
			p.ConferenceID, p.ConferenceID, pointID).
		Scan(&receipts).Error
	if err != nil {
		return nil, translate(err, "point reads")
	}
	type sum struct {
		opened int64
		last   time.Time
	}
	byMember := map[int64]*sum{}
	for _, r := range receipts {
		s := byMember[r.MemberID]
		if s == nil {
			s = &sum{}
			byMember[r.MemberID] = s
		}
		s.opened++
		if r.LastAt.After(s.last) {
			s.last = r.LastAt
		}
	}
	out := make([]attendance.MaterialsStatus, len(views))
	for i, v := range views {
		out[i].InvitationView = v
		if s, ok := byMember[v.MemberID]; ok {
			last := s.last
			out[i].DocumentsOpened, out[i].LastOpenedAt = s.opened, &last
		}
	}
	return out, nil
}
