package sqlstore

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// searchMigration makes names searchable without diacritics (migration
// 202611220006): on PostgreSQL each searched name gets a generated column
// "<name>_fold" = translate(lower(name), FoldFrom, FoldTo), kept by the database on
// every write (a translate of every row at query time took 1.3 s for 100,000 members).
// SQLite folds at query time with a Go function (diemcau_fold) and needs nothing here.
var searchMigration = &gormigrate.Migration{
	ID: "202611220006_search",
	Migrate: func(tx *gorm.DB) error {
		if tx.Dialector.Name() != "postgres" {
			return nil
		}
		for _, c := range m6Folded {
			err := tx.Exec(fmt.Sprintf(`ALTER TABLE %s ADD COLUMN %s_fold text GENERATED ALWAYS AS (translate(lower(%s), '%s', '%s')) STORED`,
				c.table, c.column, c.column, m6FoldFrom, m6FoldTo)).Error
			if err != nil {
				return err
			}
		}
		return nil
	},
	Rollback: func(tx *gorm.DB) error {
		if tx.Dialector.Name() != "postgres" {
			return nil
		}
		for _, c := range m6Folded {
			if err := tx.Exec(fmt.Sprintf(`ALTER TABLE %s DROP COLUMN %s_fold`, c.table, c.column)).Error; err != nil {
				return err
			}
		}
		return nil
	},
}

// m6Folded are the searched names of migration 202611220006.
var m6Folded = []struct{ table, column string }{
	{"members", "full_name"}, {"organizations", "name"}, {"points", "name"}, {"points", "location"},
	{"conferences", "title"}, {"accounts", "display_name"},
}

// The mapping of migration 202611220006, frozen: attendance.FoldFrom and FoldTo as
// they were (TestSearchMigration_Frozen tells when they change).
const (
	m6FoldFrom = "àáâãăạảấầẩẫậắằẳẵặèéêĕẹẻẽếềểễệìíîĩĭỉịòóôõŏơṍọỏốồổỗộớờởỡợùúûũŭưṹụủứừửữựýŷỳỵỷỹđ" +
		"ÀÁÂÃĂẠẢẤẦẨẪẬẮẰẲẴẶÈÉÊĔẸẺẼẾỀỂỄỆÌÍÎĨĬỈỊÒÓÔÕŎƠṌỌỎỐỒỔỖỘỚỜỞỠỢÙÚÛŨŬƯṸỤỦỨỪỬỮỰÝŶỲỴỶỸĐ" +
		"\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323"
	m6FoldTo = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeeiiiiiiiooooooooooooooooooouuuuuuuuuuuuuuyyyyyyd" +
		"aaaaaaaaaaaaaaaaaeeeeeeeeeeeeiiiiiiiooooooooooooooooooouuuuuuuuuuuuuuyyyyyyd"
)
