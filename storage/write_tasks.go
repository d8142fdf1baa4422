package storage

import (
	"context"
	"fmt"

	"github.com/psadav/psadav/mapping"
)

// Client writes to the task list (docs/write-back.md, "Calendar items"):
//   - a new VTODO is a PSA to-do for the org's default company and action
//     type, assigned to the user; the client's object is kept for it (one
//     with the UID of a PSA to-do the user hid brings it back instead:
//     write_hidden.go);
//   - a PUT of a PSA to-do moves it and completes or re-opens it (when the
//     org lets completion flow back); a to-do the client created takes
//     every mapped change;
//   - deleting a PSA to-do hides it for the user or is refused
//     (DeleteObject); deleting a client's to-do deletes it in the PSA.

type tasksWriter struct{}

func (tasksWriter) put(ctx context.Context, t *Tx, req *PutRequest, existing *objectRow) (sourceKey, error) {
	obj, err := parseClientObject(req, "VTODO", "the tasks list holds tasks (VTODO); put events into the calendar")
	if err != nil {
		return sourceKey{}, err
	}
	if obj.OnlyOverrides() {
		return sourceKey{}, onlyOverrides()
	}
	if existing == nil {
		if existing, err = t.revealHidden(ctx, req, obj.UID); err != nil {
			return sourceKey{}, err
		}
	}
	if existing == nil {
		if err := t.checkUID(ctx, req, obj.UID); err != nil {
			return sourceKey{}, err
		}
		return t.createClientToDo(ctx, req, obj)
	}
	if mapping.Entity(existing.SourceEntity) != mapping.EntityCompanyToDos {
		return sourceKey{}, readOnlyItem()
	}
	if err := uidUnchanged(existing, obj.UID); err != nil {
		return sourceKey{}, err
	}
	_, env, err := t.Record(ctx, mapping.EntityCompanyToDos, existing.SourceRID)
	if err != nil {
		return sourceKey{}, err
	}
	if env.Origin == OriginClient && env.OriginUserID != nil && *env.OriginUserID == req.Account.ID {
		return sourceKey{mapping.EntityCompanyToDos, existing.SourceRID}, t.updateClientToDo(ctx, req, existing, obj)
	}
	return sourceKey{}, t.updatePSAItem(ctx, req, existing, obj)
}

func (tasksWriter) delete(ctx context.Context, t *Tx, req *DeleteRequest, existing *objectRow) error {
	if mapping.Entity(existing.SourceEntity) != mapping.EntityCompanyToDos {
		return errNotUsers
	}
	_, env, err := t.Record(ctx, mapping.EntityCompanyToDos, existing.SourceRID)
	if err != nil {
		return err
	}
	if env.Origin != OriginClient || env.OriginUserID == nil || *env.OriginUserID != req.Account.ID {
		return errNotUsers
	}
	if _, err := t.Enqueue(ctx, mapping.EntityCompanyToDos, existing.SourceRID, OpDelete, nil, &req.Account.ID, req.Account.ResourceID); err != nil {
		return err
	}
	key := sourceKey{mapping.EntityCompanyToDos, existing.SourceRID}
	if id, err := t.identityAt(ctx, req.Collection.ID, req.Href, key); err != nil || id != nil {
		if err == nil {
			_, err = t.dropIdentity(ctx, req.Collection.ID, req.Href, key)
		}
		if err != nil {
			return err
		}
	} else if err := t.SetKept(ctx, req.Collection.ID, mapping.EntityCompanyToDos, existing.SourceRID, ""); err != nil {
		return err
	}
	return t.MarkClientDeleted(ctx, mapping.EntityCompanyToDos, existing.SourceRID)
}

// createClientToDo makes a PSA to-do of a client's new VTODO.
func (t *Tx) createClientToDo(ctx context.Context, req *PutRequest, obj *mapping.CalendarObject) (sourceKey, error) {
	if req.Account.ResourceID == nil {
		return sourceKey{}, notLinked()
	}
	if err := judgeClientToDo(obj); err != nil {
		return sourceKey{}, err
	}
	org, err := t.orgSettings(ctx)
	if err != nil {
		return sourceKey{}, err
	}
	actionType, err := t.defaultToDoActionType(ctx, org)
	if err != nil {
		return sourceKey{}, err
	}
	f := mapping.ClientToDoFields(obj, org.CompleteToDos, t.now)
	text, cut, err := t.toDoText(ctx, f.Description)
	if err != nil {
		return sourceKey{}, err
	}
	res := *req.Account.ResourceID
	td := mapping.ToDo{CompanyID: org.DefaultCompanyID, ActionType: actionType, ActivityDescription: text,
		AssignedToResourceID: res, StartDateTime: f.Start.UTC(), EndDateTime: f.End.UTC(), CompletedDate: f.Completed,
		CreatorResourceID: ptr(res)}
	rid, err := t.InsertClient(ctx, mapping.EntityCompanyToDos, &td, req.Account.ID, obj.UID)
	if err != nil {
		return sourceKey{}, err
	}
	fields := map[string]any{"companyID": td.CompanyID, "actionType": td.ActionType, "activityDescription": td.ActivityDescription,
		"assignedToResourceID": res, "startDateTime": psaTime(td.StartDateTime), "endDateTime": psaTime(td.EndDateTime)}
	if td.CompletedDate != nil {
		fields["completedDate"] = psaTime(*td.CompletedDate)
	}
	out, err := t.Enqueue(ctx, mapping.EntityCompanyToDos, rid, OpCreate, fields, &req.Account.ID, ptr(res))
	if err != nil {
		return sourceKey{}, err
	}
	if cut != nil {
		if err := cut(out); err != nil {
			return sourceKey{}, err
		}
	}
	// The task is a client identity of the to-do: its href, UID and whole
	// object stay the client's through every re-render and rebuild.
	key := sourceKey{mapping.EntityCompanyToDos, rid}
	if err := t.addIdentity(ctx, req.Collection.ID, req.Href, key, obj.UID, ""); err != nil {
		return sourceKey{}, err
	}
	return key, t.keepClientObject(ctx, req, rid, obj, &td)
}

// keepClientObject keeps a client's whole VTODO for it, as sent where it
// can, with the PSA times it stands for (td's): it is served back in its
// own date forms, with what the PSA changes later (OverlayClientToDo).
func (t *Tx) keepClientObject(ctx context.Context, req *PutRequest, rid int64, obj *mapping.CalendarObject, td *mapping.ToDo) error {
	data, err := mapping.KeepClientObject(obj, req.Body, mapping.PSATimes{Start: td.StartDateTime, End: td.EndDateTime})
	if err != nil {
		return err
	}
	return t.setKeptAt(ctx, req.Collection.ID, req.Href, sourceKey{mapping.EntityCompanyToDos, rid}, data)
}

// updateClientToDo applies every mapped change to a to-do the client created.
func (t *Tx) updateClientToDo(ctx context.Context, req *PutRequest, existing *objectRow, obj *mapping.CalendarObject) error {
	rec, _, err := t.Record(ctx, mapping.EntityCompanyToDos, existing.SourceRID)
	if err != nil {
		return err
	}
	td := rec.(*mapping.ToDo)
	if err := judgeClientToDo(obj); err != nil {
		return err
	}
	org, err := t.orgSettings(ctx)
	if err != nil {
		return err
	}
	f := mapping.ClientToDoFields(obj, org.CompleteToDos, t.now)
	text, cut, err := t.toDoText(ctx, f.Description)
	if err != nil {
		return err
	}
	changes := fieldChanges{}
	changes.text("activityDescription", &td.ActivityDescription, text)
	if !f.Undated { // an undated to-do leaves the PSA's times where they are
		changes.time("startDateTime", &td.StartDateTime, f.Start)
		changes.time("endDateTime", &td.EndDateTime, f.End)
	}
	if org.CompleteToDos {
		switch {
		case f.Completed != nil && td.CompletedDate == nil:
			td.CompletedDate, changes["completedDate"] = f.Completed, psaTime(*f.Completed)
		case f.Completed == nil && td.CompletedDate != nil:
			td.CompletedDate, changes["completedDate"] = nil, nil
		}
	}
	out, err := t.applyClientChanges(ctx, mapping.EntityCompanyToDos, existing.SourceRID, td, changes, &req.Account.ID, req.Account.ResourceID)
	if err != nil {
		return err
	}
	if cut != nil && changes["activityDescription"] != nil {
		if err := cut(out); err != nil {
			return err
		}
	}
	return t.keepClientObject(ctx, req, existing.SourceRID, obj, td)
}

// toDoText is the activity description the PSA gets for a client's
// to-do text (SUMMARY and DESCRIPTION): all of it where it fits the
// field, else its start (mapping.FitText) — the client keeps its whole
// object. cut, when the text was cut, notes it in the write-back's
// history.
func (t *Tx) toDoText(ctx context.Context, text string) (string, func(outbox int64) error, error) {
	schema, err := t.schema(ctx)
	if err != nil {
		return "", nil, err
	}
	limit := schema.MaxLength(mapping.EntityCompanyToDos, "activityDescription")
	sent, rest := mapping.FitText(text, limit)
	if rest == "" {
		return sent, nil, nil
	}
	return sent, func(outbox int64) error {
		return t.noteTextCut(ctx, outbox, "SUMMARY and DESCRIPTION", "the to-do's activity description", text, sent, limit)
	}, nil
}

// defaultToDoActionType is the action type of client to-dos: the org's
// setting, or the first active action type whose View is To-Do. It must
// show in the task list, or the new to-do would leave it at once.
func (t *Tx) defaultToDoActionType(ctx context.Context, org *OrgSettings) (int64, error) {
	schema, err := t.schema(ctx)
	if err != nil {
		return 0, err
	}
	var types []actionTypeRow
	q := t.tx.NewSelect().Model(&types).Where("psa_deleted_at IS NULL").Order("psa_id")
	if org.DefaultActionTypeID != 0 {
		q = q.Where("psa_id = ?", org.DefaultActionTypeID)
	} else {
		q = q.Where("is_active")
	}
	if err := q.Scan(ctx); err != nil {
		return 0, err
	}
	for _, at := range types {
		if schema.ActionTypeView(at.View).InTasks() {
			return at.RefID(), nil
		}
	}
	msg := "the PSA has no active action type whose View is To-Do, so a new task cannot become a PSA to-do; ask your administrator to set default-action-type-id"
	if org.DefaultActionTypeID != 0 {
		msg = fmt.Sprintf("default-action-type-id %d names no action type whose View is To-Do; ask your administrator to fix it", org.DefaultActionTypeID)
	}
	return 0, &mapping.Refusal{Code: mapping.RefuseMissing, Message: msg}
}
