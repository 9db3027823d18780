package sqlstore

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// decisionMigration names a delegation's decision note as an absence request's
// (migration 202611220008): both records embed attendance.Decision.
var decisionMigration = &gormigrate.Migration{
	ID: "202611220008_decision_note",
	Migrate: func(tx *gorm.DB) error {
		return tx.Migrator().RenameColumn("delegations", "note", "decision_note")
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().RenameColumn("delegations", "decision_note", "note")
	},
}
