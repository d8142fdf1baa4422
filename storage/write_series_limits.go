package storage

import (
	"context"

	"github.com/psadav/psadav/mapping"
)

// A client's recurring event becomes one PSA appointment per occurrence
// (write_series.go), so it is judged by what it expands to before anything
// is stored (mapping.JudgeSeries, README: Limits on what clients write):
// with the org's min-occurrence-gap and max-series-occurrences, over the
// sync window ahead (today to its end): the appointments a series already
// has in the window's past are history, so an open-ended daily series
// (366 ahead) fits the default 400 at every window position. A task reaches the PSA as one to-do whatever
// its rule: its rule is refused only when psadav would not expand it or it
// yields no instance.

// judgeClientEvent refuses an event whose series the limits do not take.
func (t *Tx) judgeClientEvent(ctx context.Context, obj *mapping.CalendarObject) error {
	org, err := t.orgSettings(ctx)
	if err != nil {
		return err
	}
	_, to := calendarWindow(t.now, org)
	return obj.JudgeSeries(mapping.SeriesLimits{MinGap: org.MinOccurrenceGap, MaxInWindow: int(org.MaxSeriesOccurrences),
		From: today(t.now), To: to})
}

// judgeClientToDo refuses a task whose rule psadav would not expand.
func judgeClientToDo(obj *mapping.CalendarObject) error {
	return obj.JudgeSeries(mapping.SeriesLimits{})
}
