package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/diemcau/diemcau/attendance"
	"gorm.io/gorm"
)

// auditLockKey is the PostgreSQL advisory lock that makes appends to the audit log
// take turns ("diemcau" audit; the migration lock is …214).
const auditLockKey = 7_141_300_215

// errAuditOutsideTx means appendAudit was called without a transaction: the entry
// would not land together with the change it records.
var errAuditOutsideTx = errors.New("sqlstore: audit entry outside a transaction")

// errNoAuditKey means the store was not given the audit key (LoadKeys): it can neither
// append to the log nor verify it.
var errNoAuditKey = errors.New("sqlstore: no audit key (LoadKeys was not called)")

// lockAudit makes appends to the audit log take turns, from here to the end of tx: on
// PostgreSQL a transaction-scoped advisory lock (a row lock on the last entry would not
// do: a waiting transaction would then read the old last entry and collide); on SQLite
// every write transaction is BEGIN IMMEDIATE and already alone.
func lockAudit(tx *gorm.DB) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	return translate(tx.Exec("SELECT pg_advisory_xact_lock(?)", auditLockKey).Error, "lock audit log")
}

// appendAudit appends e to the audit log inside tx, the transaction of the change it
// records, so the change and its entry land together or not at all. It numbers and
// chains e after the last entry under the store's audit key (e.At defaults to the
// store's clock) and fills ID, PrevHash and Hash. Appends take turns (lockAudit); call
// it last in the transaction, after the change, so the lock is held briefly.
func (db *DB) appendAudit(tx *gorm.DB, e *attendance.AuditEntry) error {
	return appendEntry(tx, e, db.auditKey)
}

// appendEntry is appendAudit under key.
func appendEntry(tx *gorm.DB, e *attendance.AuditEntry, key []byte) error {
	if _, ok := tx.Statement.ConnPool.(gorm.TxCommitter); !ok {
		return errAuditOutsideTx
	}
	if len(key) == 0 {
		return errNoAuditKey
	}
	if e.At.IsZero() {
		e.At = tx.Config.NowFunc()
	}
	if err := lockAudit(tx); err != nil {
		return err
	}
	var last attendance.AuditEntry
	err := tx.Select("id", "hash").Order("id DESC").Limit(1).Take(&last).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		e.Link(nil, key)
	case err != nil:
		return translate(err, "read audit log head")
	default:
		e.Link(&last, key)
	}
	return translate(tx.Create(e).Error, "append audit entry")
}

// auditChange appends an entry for action by p on an object, with its state before
// and after as JSON (nil: none), in tx.
func (db *DB) auditChange(tx *gorm.DB, p attendance.Principal, action, objectType string, objectID int64, reason string, before, after any) error {
	e := attendance.AuditEntry{Action: action, ObjectType: objectType, ObjectID: objectID, Reason: reason}
	e.SetActor(p)
	var err error
	if e.Before, err = auditJSON(before); err != nil {
		return err
	}
	if e.After, err = auditJSON(after); err != nil {
		return err
	}
	return db.appendAudit(tx, &e)
}

func auditJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlstore: audit state: %w", err)
	}
	return string(b), nil
}

// auditPage is how many entries VerifyAudit reads at a time.
const auditPage = 1000

// VerifyAudit walks the whole audit log in ID order, a page at a time, under the
// store's audit key, and reports the first entry that breaks the chain: a changed row
// (its hash does not match, as for a row hashed without the key), a removed one (a gap
// in the IDs) or a replaced one (its previous hash does not match). It also checks the
// heads given, noted down outside the database, and those recorded when conferences
// were closed: each must be in the log with its hash (else AuditCut: the log's end was
// cut off or the log wiped; AuditRewritten: the log was rewritten).
func (db *DB) VerifyAudit(ctx context.Context, heads ...attendance.AuditHead) (attendance.AuditReport, error) {
	if len(db.auditKey) == 0 {
		return attendance.AuditReport{}, errNoAuditKey
	}
	// The conferences' heads are read first: each was written with its entry, so the
	// entries read after include it.
	var closed []attendance.Conference
	err := db.q(ctx).Select("id", "audit_head_id", "audit_head_hash").Where("audit_head_id IS NOT NULL").
		Order("id").Find(&closed).Error
	if err != nil {
		return attendance.AuditReport{}, translate(err, "read conferences' audit heads")
	}
	anchors := make([]attendance.AuditAnchor, 0, len(heads)+len(closed))
	for _, h := range heads {
		anchors = append(anchors, attendance.AuditAnchor{AuditHead: h})
	}
	for _, c := range closed {
		if h, ok := c.AuditHead(); ok {
			anchors = append(anchors, attendance.AuditAnchor{AuditHead: h, ConferenceID: c.ID})
		}
	}
	v := attendance.NewAuditVerifier(db.auditKey, anchors...)
	after := int64(0)
	for {
		var page []attendance.AuditEntry
		err := db.q(ctx).Where("id > ?", after).Order("id").Limit(auditPage).Find(&page).Error
		if err != nil {
			return v.Report(), translate(err, "read audit log")
		}
		for _, e := range page {
			if !v.Next(e) {
				return v.Report(), nil
			}
		}
		if len(page) < auditPage {
			return v.Report(), nil
		}
		after = page[len(page)-1].ID
	}
}

// AuditEntries lists audit entries matching f, newest first.
func (db *DB) AuditEntries(ctx context.Context, f attendance.AuditFilter) (attendance.List[attendance.AuditEntry], error) {
	q := db.q(ctx).Model(&attendance.AuditEntry{})
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != 0 {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	l, err := list[attendance.AuditEntry](q, f.Page, "id DESC")
	return l, translate(err, "list audit entries")
}

// AuditSubjects names in words what each of entries is about, by entry id: the member
// and the point of a check-in, the member and the conference of an absence request,
// the invitee and the substitute of a delegation, a conference's title, an account's
// name. One query per kind of object, whatever the number of entries; an object since
// deleted has no name.
func (db *DB) AuditSubjects(ctx context.Context, entries []attendance.AuditEntry) (map[int64]string, error) {
	byType := map[string][]int64{}
	for _, e := range entries {
		byType[e.ObjectType] = append(byType[e.ObjectType], e.ObjectID)
	}
	queries := map[string]string{
		"checkin": `SELECT ci.id, m.full_name || ' · ' || p.name AS name FROM check_ins ci
			JOIN members m ON m.id = ci.member_id JOIN points p ON p.id = ci.point_id WHERE ci.id IN ?`,
		"absence": `SELECT a.id, m.full_name || ' · ' || c.title AS name FROM absence_requests a
			JOIN members m ON m.id = a.member_id JOIN conferences c ON c.id = a.conference_id WHERE a.id IN ?`,
		"delegation": `SELECT d.id, m.full_name || ' → ' || s.full_name AS name FROM delegations d
			JOIN members m ON m.id = d.member_id JOIN members s ON s.id = d.substitute_id WHERE d.id IN ?`,
		objectConference: `SELECT id, title AS name FROM conferences WHERE id IN ?`,
		"account":        `SELECT id, CASE WHEN display_name <> '' THEN display_name ELSE login END AS name FROM accounts WHERE id IN ?`,
	}
	object := map[string]string{}
	for typ, ids := range byType {
		q, ok := queries[typ]
		if !ok {
			continue
		}
		var rows []struct {
			ID   int64
			Name string
		}
		if err := db.q(ctx).Raw(q, ids).Scan(&rows).Error; err != nil {
			return nil, translate(err, "audit subjects")
		}
		for _, r := range rows {
			object[typ+":"+strconv.FormatInt(r.ID, 10)] = r.Name
		}
	}
	out := make(map[int64]string, len(entries))
	for _, e := range entries {
		if n := object[e.ObjectType+":"+strconv.FormatInt(e.ObjectID, 10)]; n != "" {
			out[e.ID] = n
		}
	}
	return out, nil
}
