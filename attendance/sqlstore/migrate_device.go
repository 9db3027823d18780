package sqlstore

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// deviceMigration indexes check-ins by device alone (migration 202611220005). The
// shared-phone check looks a device up among a conference's check-ins; with the old
// index on (conference_id, device_id) a plan made while the table was young could
// as well take the unique (conference_id, member_id) index and read every check-in of
// the conference. Phones' ids are random, so a device has a handful of check-ins
// across all conferences.
var deviceMigration = &gormigrate.Migration{
	ID: "202611220005_device_index",
	Migrate: func(tx *gorm.DB) error {
		return execAll(tx, `CREATE INDEX ix_checkin_device_id ON check_ins (device_id)`, `DROP INDEX ix_checkin_device`)
	},
	Rollback: func(tx *gorm.DB) error {
		return execAll(tx, `CREATE INDEX ix_checkin_device ON check_ins (conference_id, device_id)`, `DROP INDEX ix_checkin_device_id`)
	},
}

func execAll(tx *gorm.DB, statements ...string) error {
	for _, s := range statements {
		if err := tx.Exec(s).Error; err != nil {
			return err
		}
	}
	return nil
}
