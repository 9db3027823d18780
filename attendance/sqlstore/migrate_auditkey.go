package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/diemcau/diemcau/attendance"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// auditKeyMigration (202611220009) keeps each conference's audit head at closing, and
// marks a log written before the log had a key for re-chaining.
//
// Until then the log was chained with plain SHA-256, which anyone who can write to the
// database can recompute after changing an entry. Now the chain is an HMAC under a key
// derived from the server secret, which the database does not hold. The entries
// already there are moved to the keyed chain once, by LoadKeys, because the migration
// itself has no key: the schema is migrated by any command, the key is only given to
// the store that is about to use it. Re-chaining first verifies the old chain, so a
// change made before the upgrade is never blessed: only the entries before the first
// break are re-chained, and verification still stops at that break, as it did before
// the upgrade. The chosen alternative to refusing to start on a broken old log, which
// would leave the operator nothing to do but edit the database.
var auditKeyMigration = &gormigrate.Migration{
	ID: "202611220009_audit_key",
	Migrate: func(tx *gorm.DB) error {
		for _, col := range []string{"AuditHeadID", "AuditHeadHash"} {
			if err := tx.Migrator().AddColumn(&m9Conference{}, col); err != nil {
				return err
			}
		}
		var n int64
		if err := tx.Table("audit_entries").Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		return tx.Create(&m1Setting{Key: settingAuditRechain, Value: "sha256"}).Error
	},
	Rollback: func(tx *gorm.DB) error {
		// A log already re-chained stays so: its plain hashes are gone.
		if err := tx.Where("key = ?", settingAuditRechain).Delete(&m1Setting{}).Error; err != nil {
			return err
		}
		for _, col := range []string{"AuditHeadID", "AuditHeadHash"} {
			if err := tx.Migrator().DropColumn(&m9Conference{}, col); err != nil {
				return err
			}
		}
		return nil
	},
}

// m9Conference is the part of the conferences table migration 202611220009 adds,
// frozen.
type m9Conference struct {
	ID            int64
	AuditHeadID   *int64
	AuditHeadHash string `gorm:"size:64;not null;default:''"`
}

func (m9Conference) TableName() string { return "conferences" }

// errRechainAgain means the database asks to re-chain a log already chained under a
// key. Only migration 202611220009 asks, before any key was recorded; a request after
// that was written by someone else, to have a log they rewrote with plain SHA-256
// chained under the key.
var errRechainAgain = errors.New("sqlstore: the database asks to re-chain an audit log that is already " +
	"chained under a key; its settings were changed behind the service's back, and the log was left as it is")

// takeAuditKey records the ID of key beside the log the first time, or checks it
// against the one recorded (ErrAuditKey), and re-chains a log marked by the migration.
// It runs alone (lockAudit), so instances starting together agree on one key and
// re-chain once.
func (db *DB) takeAuditKey(ctx context.Context, key []byte) error {
	var moved *rechained
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := lockAudit(tx); err != nil {
			return err
		}
		id := attendance.AuditKeyID(key)
		kept, err := readSetting(tx, settingAuditKeyID)
		if err != nil {
			return translate(err, "read the audit key's id")
		}
		pending, err := readSetting(tx, settingAuditRechain)
		if err != nil {
			return translate(err, "read the audit re-chain mark")
		}
		switch {
		case kept != "" && kept != id:
			return fmt.Errorf("sqlstore: %w", attendance.ErrAuditKey)
		case kept != "" && pending != "":
			return errRechainAgain
		case kept == "":
			if pending == "" {
				// No key recorded, yet entries there: they must already be chained under
				// this key (the ID was removed), or it is the wrong key.
				if err := checkAuditHead(tx, key); err != nil {
					return err
				}
			}
			if err := tx.Create(&setting{Key: settingAuditKeyID, Value: id}).Error; err != nil {
				return translate(err, "record the audit key's id")
			}
		}
		if pending == "" {
			return nil
		}
		r, err := rechainAudit(tx, key)
		if err != nil {
			return err
		}
		moved = &r
		return translate(tx.Where("key = ?", settingAuditRechain).Delete(&setting{}).Error, "clear the re-chain mark")
	})
	if err != nil || moved == nil {
		return err
	}
	if moved.BrokenID != 0 {
		db.log.Warn("audit log re-chained under the key up to a break it already had: the break stays visible",
			"entries", moved.Entries, "rechained", moved.Rechained, "broken_id", moved.BrokenID, "problem", moved.Problem)
	} else {
		db.log.Info("audit log re-chained under the key", "entries", moved.Entries, "old_head", moved.OldHead)
	}
	return nil
}

// checkAuditHead returns ErrAuditKey when the log's last entry is not chained under
// key.
func checkAuditHead(tx *gorm.DB, key []byte) error {
	var last attendance.AuditEntry
	err := tx.Order("id DESC").Limit(1).Take(&last).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil
	case err != nil:
		return translate(err, "read audit log head")
	case last.ComputeHash(key) != last.Hash:
		return fmt.Errorf("sqlstore: %w (its last entry does not verify under this key)", attendance.ErrAuditKey)
	}
	return nil
}

// rechained is what re-chaining did: the entries in the log, how many were re-chained,
// the old chain's head (ID:HASH, as the old "audit verify" printed it), and the break
// of the old chain, if any.
type rechained struct {
	Entries   int64                   `json:"entries"`
	Rechained int64                   `json:"rechained"`
	OldHead   string                  `json:"sha256Head,omitempty"`
	BrokenID  int64                   `json:"brokenId,omitempty"`
	Problem   attendance.AuditProblem `json:"problem,omitempty"`
}

// rechainAudit moves the log from plain SHA-256 to HMAC under key, in tx: it walks the
// entries in order, checking each against the old chain, and gives each one that
// holds its new hash and link; at the first that does not, it stops, leaving the rest
// as they are so that verification still breaks there. Then it appends an entry that
// records the move and the old head, which an operator may have noted down.
func rechainAudit(tx *gorm.DB, key []byte) (rechained, error) {
	var (
		r                rechained
		oldPrev, newPrev string
		lastID           int64
		broken           bool
		page             []m4AuditEntry
	)
	if err := tx.Model(&m4AuditEntry{}).Count(&r.Entries).Error; err != nil {
		return r, translate(err, "count audit entries")
	}
	for !broken {
		page = page[:0]
		if err := tx.Where("id > ?", lastID).Order("id").Limit(auditPage).Find(&page).Error; err != nil {
			return r, translate(err, "read audit log")
		}
		for _, m := range page {
			e := m.entry()
			switch {
			case e.ID != lastID+1:
				r.BrokenID, r.Problem = lastID+1, attendance.AuditMissing
			case e.PrevHash != oldPrev:
				r.BrokenID, r.Problem = e.ID, attendance.AuditUnlinked
			case legacyAuditHash(&e) != e.Hash:
				r.BrokenID, r.Problem = e.ID, attendance.AuditChanged
			}
			if r.BrokenID != 0 {
				broken = true
				break
			}
			oldPrev, lastID = e.Hash, e.ID
			r.OldHead = attendance.AuditHead{ID: e.ID, Hash: e.Hash}.String()
			e.PrevHash = newPrev
			e.Hash = e.ComputeHash(key)
			newPrev = e.Hash
			err := tx.Model(&m4AuditEntry{}).Where("id = ?", e.ID).
				Updates(map[string]any{"prev_hash": e.PrevHash, "hash": e.Hash}).Error
			if err != nil {
				return r, translate(err, "re-chain audit entry")
			}
			r.Rechained++
		}
		if len(page) < auditPage {
			break
		}
	}
	e := attendance.AuditEntry{Action: attendance.ActionAuditRechain, ObjectType: "audit", ObjectID: lastID}
	var err error
	if e.After, err = auditJSON(r); err != nil {
		return r, err
	}
	return r, appendEntry(tx, &e, key)
}

func (m m4AuditEntry) entry() attendance.AuditEntry {
	return attendance.AuditEntry{ID: m.ID, At: m.At, ActorAccountID: m.ActorAccountID, ActorMemberID: m.ActorMemberID,
		Action: m.Action, ObjectType: m.ObjectType, ObjectID: m.ObjectID, Reason: m.Reason, Before: m.Before,
		After: m.After, PrevHash: m.PrevHash, Hash: m.Hash}
}

// legacyAuditHash is the hash of the log before it had a key ("diemcau.audit.v1"),
// frozen: the hex SHA-256 of the same netstring encoding as the keyed hash.
func legacyAuditHash(e *attendance.AuditEntry) string {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s,", len(s), s) }
	id := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	field("diemcau.audit.v1")
	field(e.PrevHash)
	field(strconv.FormatInt(e.ID, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(id(e.ActorAccountID))
	field(id(e.ActorMemberID))
	field(e.Action)
	field(e.ObjectType)
	field(strconv.FormatInt(e.ObjectID, 10))
	field(e.Reason)
	field(e.Before)
	field(e.After)
	return hex.EncodeToString(h.Sum(nil))
}
