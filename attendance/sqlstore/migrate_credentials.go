package sqlstore

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// credentialsMigration gives each member a credentials version (migration
// 202612040009): a PIN change, reset or deactivation raises it, which ends the one-tap
// cookies of the member's phones as it ends their sessions.
var credentialsMigration = &gormigrate.Migration{
	ID: "202612040009_member_credentials",
	Migrate: func(tx *gorm.DB) error {
		return tx.Exec(`ALTER TABLE members ADD COLUMN credentials_version bigint NOT NULL DEFAULT 0`).Error
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropColumn("members", "credentials_version")
	},
}
