#!/usr/bin/python3
"""python3-caldav (Debian, 0.11) against psadav, for the real-client tests.

    /usr/bin/python3 caldav_client.py URL LOGIN PASSWORD

Runs discovery, a date search, create/read/update/delete of a VEVENT and a
VTODO, an incremental sync by sync token and a free-busy query, and prints
one JSON object with what it saw. The Go test (e2e_caldav_test.go) holds
the expectations; this script asserts nothing itself, so the test can say
exactly what differed.
"""

import datetime as dt
import json
import sys
import uuid

import caldav

url, login, password = sys.argv[1:4]
utc = dt.timezone.utc
now = dt.datetime.now(utc).replace(microsecond=0)
out = {}


def name_of(obj):
    return str(obj.url).rstrip("/").rsplit("/", 1)[1]


client = caldav.DAVClient(url=url, username=login, password=password)
principal = client.principal()
cals = {c.name: c for c in principal.calendars()}
out["calendars"] = {n: sorted(c.get_supported_components()) for n, c in cals.items()}
calendar = cals["PSA calendar"]
tasks = cals["PSA tasks"]

# The next 30 days.
found = calendar.date_search(start=now, end=now + dt.timedelta(days=30), expand=False)
out["next30"] = sorted(name_of(e) for e in found)
out["tasks"] = sorted(name_of(t) for t in tasks.todos(include_completed=True))

# Incremental sync: a token, then a change, then the token again.
start_sync = calendar.objects_by_sync_token(load_objects=False)
token = start_sync.sync_token
out["initial_sync_count"] = len(list(start_sync))

# Create, read, update, delete a VEVENT.
uid = "caldav-e2e-" + uuid.uuid4().hex
begin = (now + dt.timedelta(days=2)).replace(hour=15, minute=0, second=0)
ev = calendar.save_event(
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//psadav e2e//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:%s\r\n"
    "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Planning with caldav\r\nDESCRIPTION:from python3-caldav\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
    % (uid, now.strftime("%Y%m%dT%H%M%SZ"), begin.strftime("%Y%m%dT%H%M%SZ"), (begin + dt.timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")))
out["created_event"] = name_of(ev)
changed = calendar.objects_by_sync_token(sync_token=token, load_objects=False)
out["sync_after_create"] = sorted(name_of(o) for o in changed)
token = changed.sync_token

read = calendar.event_by_uid(uid)
vev = read.vobject_instance.vevent
out["read_summary"] = str(vev.summary.value)
out["read_has_alarm"] = hasattr(vev, "valarm")
vev.dtstart.value = vev.dtstart.value + dt.timedelta(hours=1)
vev.dtend.value = vev.dtend.value + dt.timedelta(hours=1)
read.save()
moved = calendar.event_by_uid(uid).vobject_instance.vevent
out["moved_start"] = moved.dtstart.value.astimezone(utc).strftime("%Y-%m-%dT%H:%M:%SZ")
out["expected_moved_start"] = (begin + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

changed = calendar.objects_by_sync_token(sync_token=token, load_objects=False)
out["sync_after_update"] = sorted(name_of(o) for o in changed)
token = changed.sync_token
calendar.event_by_uid(uid).delete()
after = calendar.objects_by_sync_token(sync_token=token, load_objects=False)
out["sync_after_delete"] = sorted(name_of(o) for o in after)
try:
    calendar.event_by_uid(uid)
    out["deleted_event_gone"] = False
except caldav.lib.error.NotFoundError:
    out["deleted_event_gone"] = True

# Create, complete, read, delete a VTODO.
tuid = "caldav-e2e-todo-" + uuid.uuid4().hex
todo = tasks.save_todo(
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//psadav e2e//EN\r\nBEGIN:VTODO\r\nUID:%s\r\nDTSTAMP:%s\r\n"
    "DTSTART:%s\r\nDUE:%s\r\nSUMMARY:Send the report\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    % (tuid, now.strftime("%Y%m%dT%H%M%SZ"), begin.strftime("%Y%m%dT%H%M%SZ"), (begin + dt.timedelta(hours=2)).strftime("%Y%m%dT%H%M%SZ")))
out["created_todo"] = name_of(todo)
tasks.todo_by_uid(tuid).complete()
done = tasks.todo_by_uid(tuid).vobject_instance.vtodo
out["todo_status"] = str(done.status.value) if hasattr(done, "status") else ""
out["todo_completed"] = hasattr(done, "completed")
tasks.todo_by_uid(tuid).delete()

# Free-busy over the next 10 days.
fb = calendar.freebusy_request(now, now + dt.timedelta(days=10))
periods = []
for line in fb.data.replace("\r\n ", "").replace("\n ", "").splitlines():
    if line.startswith("FREEBUSY"):
        periods.append(line)
out["freebusy"] = periods

print(json.dumps(out))
