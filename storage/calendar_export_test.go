package storage

import (
	"context"

	"github.com/psadav/psadav/mapping"
)

// AcceptForTest records that the PSA accepted a client-created row under
// psaID, as the connector will: tests then change it "in the PSA".
func (t *Tx) AcceptForTest(ctx context.Context, entity mapping.Entity, rid, psaID int64) error {
	info, err := lookupEntity(entity)
	if err != nil {
		return err
	}
	_, err = t.tx.NewUpdate().Table(info.table).Set("psa_id = ?", psaID).Where("rid = ?", rid).Exec(ctx)
	return err
}

// ForgetCalendarWindowForTest removes the calendar window record, as in a
// database whose calendars were placed before the record was kept.
func (s *Store) ForgetCalendarWindowForTest(ctx context.Context) error {
	s.windowRecorded.Store(false)
	_, err := s.wdb.NewDelete().TableExpr("calendar_window").Where("id = 1").Exec(ctx)
	return err
}
