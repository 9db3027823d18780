package sqlstore

import (
	"github.com/diemcau/diemcau/attendance"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// nameKeyMigration orders members by name in Vietnamese order (migration
// 202611220007): a sort key per member (attendance.NameKey), indexed, filled here for
// the members already there and kept by every write after. The byte order of UTF-8 put
// "Đặng" after "Vũ" and "Ánh" after "Yến".
var nameKeyMigration = &gormigrate.Migration{
	ID: "202611220007_name_key",
	Migrate: func(tx *gorm.DB) error {
		if err := tx.Migrator().AddColumn(&m7Member{}, "FullNameKey"); err != nil {
			return err
		}
		var batch []m7Member
		err := tx.Select("id", "full_name").FindInBatches(&batch, 1000, func(tx *gorm.DB, _ int) error {
			for _, m := range batch {
				if err := tx.Model(&m7Member{}).Where("id = ?", m.ID).Update("full_name_key", attendance.NameKey(m.FullName)).Error; err != nil {
					return err
				}
			}
			return nil
		}).Error
		if err != nil {
			return err
		}
		return tx.Exec(`CREATE INDEX ix_members_name_key ON members (full_name_key)`).Error
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropColumn(&m7Member{}, "FullNameKey")
	},
}

// m7Member is the part of the members table migration 202611220007 touches, frozen.
type m7Member struct {
	ID          int64
	FullName    string
	FullNameKey []byte
}

func (m7Member) TableName() string { return "members" }
