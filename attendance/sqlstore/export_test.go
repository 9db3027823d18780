package sqlstore

import (
	"context"
	"strings"

	"github.com/diemcau/diemcau/attendance"
)

// MigrateTo migrates the schema up to and including migration id: a database as an
// older version left it.
func (db *DB) MigrateTo(ctx context.Context, id string) error { return db.migrate(ctx, id) }

// LegacyAuditHash is the plain SHA-256 the log was chained with before it had a key:
// what a database writer without the key can compute.
func LegacyAuditHash(e *attendance.AuditEntry) string { return legacyAuditHash(e) }

// ExplainGathered returns the plans PostgreSQL makes for the gatherings' statements
// on their own connections: first check-ins, then sign-ins.
func (db *DB) ExplainGathered(ctx context.Context) ([]string, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var plans []string
	for _, st := range []struct{ name, types, sql, args string }{
		{"first_check_ins", "bigint[], bigint[], bigint[], text[], text[], text[], bigint[], bigint[], timestamptz[]",
			firstCheckInsSQL, `'{1,1}', '{1,2}', '{1,1}', '{k1,k2}', '{d1,d2}', '{qr,qr}', '{0,0}', '{1,2}', ARRAY[now(), now()]`},
		{"sign_ins", "text[], bigint[], text[]", signInsSQL, `'{A1,A2}', '{1,2}', '{member:a1,member:a2}'`},
	} {
		if _, err := conn.ExecContext(ctx, "PREPARE "+st.name+"("+st.types+") AS "+st.sql); err != nil {
			return nil, err
		}
		rows, err := conn.QueryContext(ctx, "EXPLAIN EXECUTE "+st.name+"("+st.args+")")
		if err != nil {
			return nil, err
		}
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return nil, err
			}
			plan.WriteString(line + "\n")
		}
		rows.Close()
		if _, err := conn.ExecContext(ctx, "DEALLOCATE "+st.name); err != nil {
			return nil, err
		}
		plans = append(plans, plan.String())
	}
	return plans, nil
}
