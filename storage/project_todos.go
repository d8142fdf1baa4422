package storage

import (
	"context"
	"time"

	"github.com/psadav/psadav/mapping"
)

// To-dos appear by their action type's View (docs/psa-model.md,
// "Picklists psadav reads"): Calendar and Calendar and To-Do as a VEVENT in the
// calendar, To-Do as a VTODO in the task list, Neither nowhere. A to-do a
// client created is served to its creator as the client's own object with
// the PSA's times and completion, whatever the window.

type todoProjector struct{}

func (todoProjector) dependents(context.Context, *Tx, mirrorRow) ([]sourceKey, error) {
	return nil, nil
}

func (todoProjector) place(ctx context.Context, t *Tx, row mirrorRow) ([]placement, error) {
	r := row.(*todoRow)
	if !r.Live() {
		return nil, nil
	}
	atRow, err := t.rowByRef(ctx, mapping.EntityActionTypes, r.ActionType)
	if err != nil || atRow == nil {
		return nil, err
	}
	at := &atRow.(*actionTypeRow).ActionType
	schema, err := t.schema(ctx)
	if err != nil {
		return nil, err
	}
	view := schema.ActionTypeView(at.View)
	coll, asTask := CollCalendar, false
	switch {
	case view.InCalendar():
	case view.InTasks():
		coll, asTask = CollTasks, true
	default:
		return nil, nil
	}
	targets, err := t.calendarTargets(ctx, r.AssignedToResourceID, coll)
	if err != nil || len(targets) == 0 {
		return nil, err
	}
	creator := int64(0)
	if r.Origin == OriginClient && r.OriginUserID != nil {
		creator = *r.OriginUserID
	}
	in, err := t.inWindow(ctx, r.StartDateTime, r.EndDateTime)
	if err != nil {
		return nil, err
	}
	if !in {
		kept := targets[:0]
		for _, tg := range targets {
			if tg.user.id == creator {
				kept = append(kept, tg)
			}
		}
		if targets = kept; len(targets) == 0 {
			return nil, nil
		}
	}
	v, err := t.todoView(ctx, r, at)
	if err != nil {
		return nil, err
	}
	ref := r.RefID()
	comp, owner := "VEVENT", int64(0)
	if asTask {
		// Only the task list deletes a client's own to-do (write_tasks.go).
		comp, owner = "VTODO", creator
	}
	return t.placeCalendarItem(ctx, targets, calItem{
		href: mapping.Href(mapping.KindToDo, ref), uid: mapping.UID(mapping.KindToDo, ref, r.ClientUID),
		comp: comp, start: r.StartDateTime, end: r.EndDateTime, ownedBy: owner,
		render: func(c mapping.CalendarContext) ([]byte, error) { return mapping.RenderToDo(v, asTask, c) },
		merge: func(u *userInfo) func([]byte, string, *time.Location) ([]byte, error) {
			if asTask && u.id == creator {
				return mapping.OverlayClientToDo
			}
			return mapping.MergeKeptCalendar
		},
	})
}

// todoView gathers what a to-do's object shows of other records.
func (t *Tx) todoView(ctx context.Context, r *todoRow, at *mapping.ActionType) (mapping.ToDoView, error) {
	v := mapping.ToDoView{ToDo: r.ToDo, ActionType: at, ClientUID: r.ClientUID}
	v.ToDo.ID = r.RefID()
	company, err := t.companyByRef(ctx, r.CompanyID)
	if err != nil {
		return v, err
	}
	if company != nil {
		v.Company = &company.Company
	}
	if r.ContactID != nil {
		c, err := t.rowByRef(ctx, mapping.EntityContacts, *r.ContactID)
		if err != nil {
			return v, err
		}
		if c != nil {
			v.Contact = &c.(*contactRow).Contact
		}
	}
	return v, nil
}

// actionTypeDeps: a View change moves the type's to-dos between the
// calendar and the task list, a rename changes their SUMMARY.
type actionTypeDeps struct{}

func (actionTypeDeps) dependents(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	ref := row.envelope().RefID()
	t.forgetRow(mapping.EntityActionTypes, ref)
	return t.ridsWhere(ctx, mapping.EntityCompanyToDos, "action_type = ?", ref)
}

func (actionTypeDeps) place(context.Context, *Tx, mirrorRow) ([]placement, error) { return nil, nil }

// contactToDos: a to-do's DESCRIPTION shows its contact's name and phone.
func contactToDos(ctx context.Context, t *Tx, row mirrorRow) ([]sourceKey, error) {
	ref := row.envelope().RefID()
	t.forgetRow(mapping.EntityContacts, ref)
	return t.ridsWhere(ctx, mapping.EntityCompanyToDos, "contact_id = ?", ref)
}
