package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type setting struct {
	Key   string `gorm:"primaryKey;size:64"`
	Value string `gorm:"size:4000;not null"`
}

func (setting) TableName() string { return "settings" }

// Setting keys.
const (
	// settingSecret is the signing secret versions before the keyed audit log
	// generated and kept here; the server moves it out of the database (LegacySecret).
	settingSecret = "secret"
	settingPINKey = "pin_key" // the key PINs are hashed under; never rotated
	// settingAuditKeyID names the key the audit log is chained under
	// (attendance.AuditKeyID), never the key itself.
	settingAuditKeyID = "audit_key_id"
	// settingAuditRechain marks a log chained with plain SHA-256 that waits to be
	// re-chained under the key (migrate_auditkey.go).
	settingAuditRechain = "audit_rechain"
)

// LegacySecret returns the signing secret that versions before the keyed audit log
// generated and kept in the database (base64 without padding), or "" when there is
// none. The server moves it to its data directory and then calls DropLegacySecret: a
// secret the database holds is one a database writer can read, and the audit key is
// derived from it. It may be called before Migrate.
func (db *DB) LegacySecret(ctx context.Context) (string, error) {
	if !db.q(ctx).Migrator().HasTable("settings") {
		return "", nil
	}
	v, err := readSetting(db.q(ctx), settingSecret)
	if err != nil {
		return "", fmt.Errorf("sqlstore: read the legacy secret: %w", err)
	}
	return v, nil
}

// DropLegacySecret removes the secret LegacySecret returned from the database.
func (db *DB) DropLegacySecret(ctx context.Context) error {
	err := db.q(ctx).Where("key = ?", settingSecret).Delete(&setting{}).Error
	return translate(err, "drop the legacy secret")
}

// LoadKeys reads (or creates) the keys the store itself needs, and takes auditKey
// (attendance.AuditKey of the server secret), which the store never writes down:
// appends to the audit log are chained under it and VerifyAudit checks with it. It
// returns ErrAuditKey when the log is chained under another key, and re-chains a log
// written before the log had a key, once (migrate_auditkey.go). Call it after Migrate.
func (db *DB) LoadKeys(ctx context.Context, auditKey []byte) error {
	if len(auditKey) < 32 {
		return errors.New("sqlstore: the audit key must have at least 32 bytes")
	}
	k, err := db.keptRandom(ctx, settingPINKey)
	if err != nil {
		return err
	}
	db.pinKey = k
	if err := db.takeAuditKey(ctx, auditKey); err != nil {
		return err
	}
	db.auditKey = auditKey
	return nil
}

// readSetting returns the value of key, "" when it is not set.
func readSetting(q *gorm.DB, key string) (string, error) {
	var vs []string
	if err := q.Model(&setting{}).Where("key = ?", key).Limit(1).Pluck("value", &vs).Error; err != nil {
		return "", err
	}
	if len(vs) == 0 {
		return "", nil
	}
	return vs[0], nil
}

func (db *DB) keptRandom(ctx context.Context, key string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	fresh := setting{Key: key, Value: base64.RawStdEncoding.EncodeToString(b)}
	err := db.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh).Error
	if err != nil {
		return nil, fmt.Errorf("sqlstore: keep %s: %w", key, err)
	}
	var kept setting
	if err := db.q(ctx).First(&kept, "key = ?", key).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("sqlstore: %s vanished after insert", key)
		}
		return nil, fmt.Errorf("sqlstore: read %s: %w", key, err)
	}
	return base64.RawStdEncoding.DecodeString(kept.Value)
}
