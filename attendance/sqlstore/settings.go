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
	settingSecret = "secret"  // the generated signing secret, when none is configured
	settingPINKey = "pin_key" // the key PINs are hashed under; never rotated
)

// GeneratedSecret returns the signing secret kept in the database, creating it on
// first use. Several instances starting at once agree on one value: the first insert
// wins and the others read it back.
func (db *DB) GeneratedSecret(ctx context.Context) ([]byte, error) {
	return db.keptRandom(ctx, settingSecret)
}

// LoadKeys reads (or creates) the keys the store itself needs. Call it after Migrate.
func (db *DB) LoadKeys(ctx context.Context) error {
	k, err := db.keptRandom(ctx, settingPINKey)
	if err != nil {
		return err
	}
	db.pinKey = k
	return nil
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
