package sqlstore

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// codesMigration spells every member code in capitals (migration 202612040010), as
// attendance.MemberCode now writes and reads them. A code whose capital spelling
// another member already has is left as it was, so the migration never fails on a
// roster that had both; that member then signs in with the code as it is stored.
var codesMigration = &gormigrate.Migration{
	ID: "202612040010_member_codes_upper",
	Migrate: func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE members SET code = UPPER(code) WHERE code <> UPPER(code)
			AND NOT EXISTS (SELECT 1 FROM members other WHERE other.code = UPPER(members.code))`).Error
	},
	Rollback: func(*gorm.DB) error { return nil },
}
