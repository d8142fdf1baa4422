#!/usr/bin/python3
"""Issue 4 acceptance against a running `psadav serve --demo` (SQLite).

Run with Debian's python3-caldav (0.11):

    go build -o /tmp/psadav ./cmd/psadav
    /tmp/psadav serve --demo --data /tmp/psadav-demo --listen 127.0.0.1:18400 &
    /usr/bin/python3 cmd/psadav/testdata/calendar_acceptance.py \
        --url http://127.0.0.1:18400/ --data /tmp/psadav-demo --psadav /tmp/psadav

Each check prints PASS or FAIL with the numbers behind it; the exit status
is the number of failures. Expected sets are computed independently with
SQL against the mirror tables (never from the rendered objects). The
script changes the demo data (it moves, completes and creates items).
"""

import argparse
import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import uuid

import caldav
import requests
from caldav.lib import error as caldav_error

LOGIN = "jbecker"
FAILURES = 0


def check(name, ok, detail=""):
    global FAILURES
    print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        FAILURES += 1


def sqlts(t):
    """A time as the SQLite mirror stores it."""
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00:00")


def icsts(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def parse_sql_time(s):
    return dt.datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)


def name_of(obj):
    return str(obj.url).rstrip("/").rsplit("/", 1)[1]


def expected_in_range(db, resource, start, end):
    s, e = sqlts(start), sqlts(end)
    q = {
        "appointment": """SELECT psa_id FROM psa_appointments WHERE resource_id = ? AND psa_deleted_at IS NULL
            AND psa_id IS NOT NULL AND start_date_time < ? AND end_date_time > ?""",
        "todo": """SELECT t.psa_id FROM psa_todos t JOIN psa_action_types a ON a.psa_id = t.action_type
            JOIN psa_picklist p ON p.entity = 'ActionTypes' AND p.field = 'view' AND p.value = CAST(a.view_code AS TEXT)
            WHERE t.assigned_to_resource_id = ? AND t.psa_deleted_at IS NULL AND p.label IN ('Calendar', 'Calendar and To-Do')
            AND t.start_date_time < ? AND t.end_date_time > ?""",
        "time-off": """SELECT t.psa_id FROM psa_time_off_requests t JOIN psa_picklist p ON p.entity = 'TimeOffRequests'
            AND p.field = 'status' AND p.value = CAST(t.status AS TEXT)
            WHERE t.resource_id = ? AND t.psa_deleted_at IS NULL AND t.start_time IS NOT NULL AND t.end_time IS NOT NULL
            AND p.label NOT IN ('Rejected', 'Canceled') AND t.start_time < ? AND t.end_time > ?""",
    }
    out = set()
    for kind, sql in q.items():
        for (pid,) in db.execute(sql, (resource, e, s)):
            out.add("%s-%d.ics" % (kind, pid))
    calls = """SELECT DISTINCT c.psa_id FROM psa_service_calls c
        LEFT JOIN psa_picklist p ON p.entity = 'ServiceCalls' AND p.field = 'status' AND p.value = CAST(c.status AS TEXT)
        WHERE c.psa_deleted_at IS NULL AND c.canceled_date_time IS NULL AND COALESCE(p.label, '') NOT IN ('Canceled', 'Cancelled')
        AND c.start_date_time < ? AND c.end_date_time > ? AND c.psa_id IN (
          SELECT l.service_call_id FROM psa_service_call_tickets l
            JOIN psa_service_call_ticket_resources r ON r.service_call_ticket_id = l.psa_id WHERE r.resource_id = ?
          UNION
          SELECT l.service_call_id FROM psa_service_call_tasks l
            JOIN psa_service_call_task_resources r ON r.service_call_task_id = l.psa_id WHERE r.resource_id = ?)"""
    for (pid,) in db.execute(calls, (e, s, resource, resource)):
        out.add("service-call-%d.ics" % pid)
    return out


def outbox(db, entity, rid):
    return db.execute("SELECT op, field_mask, payload FROM outbox WHERE entity = ? AND rid = ? ORDER BY id",
                      (entity, rid)).fetchall()


def shift_times(data, delta):
    """Moves DTSTART and DTEND (UTC or TZID form) of a VEVENT body."""
    def move(m):
        fmt = "%Y%m%dT%H%M%S"
        t = dt.datetime.strptime(m.group(3), fmt) + delta
        return m.group(1) + m.group(2) + t.strftime(fmt) + m.group(4)
    return re.sub(r"(?m)^(DTSTART|DTEND)([^:]*:)(\d{8}T\d{6})(Z?)\r?$", lambda m: move(m) + "\r", data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:18400/")
    ap.add_argument("--data", required=True, help="the server's data directory (SQLite)")
    ap.add_argument("--psadav", required=True, help="the psadav binary, for psadav import")
    args = ap.parse_args()
    db = sqlite3.connect(os.path.join(args.data, "psadav.db"), isolation_level=None)
    resource = db.execute("SELECT psa_id FROM psa_resources WHERE user_name = ?", (LOGIN,)).fetchone()[0]

    client = caldav.DAVClient(args.url, username=LOGIN, password="demo")
    principal = client.principal()
    cals = {str(c.url).rstrip("/").rsplit("/", 1)[1]: c for c in principal.calendars()}
    cal, tasks = cals.get("calendar"), cals.get("tasks")
    check("collections found", cal is not None and tasks is not None, ", ".join(sorted(cals)))
    check("calendar takes VEVENT", cal.get_supported_components() == ["VEVENT"], str(cal.get_supported_components()))
    check("tasks takes VTODO", tasks.get_supported_components() == ["VTODO"], str(tasks.get_supported_components()))

    # A date search over the next 30 days: exactly what SQL says.
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    end = now + dt.timedelta(days=30)
    found = {name_of(o) for o in cal.date_search(start=now, end=end, expand=False)}
    want = expected_in_range(db, resource, now, end)
    kinds = {}
    for n in found:
        k = n.rsplit("-", 1)[0]
        kinds[k] = kinds.get(k, 0) + 1
    check("30-day search equals SQL", found == want,
          "found %d %s; SQL %d; only found %s; only SQL %s" % (len(found), kinds, len(want), sorted(found - want), sorted(want - found)))

    # Move a PSA appointment by one hour.
    appt = sorted(n for n in found if n.startswith("appointment-"))[0]
    pid = int(appt[len("appointment-"):-4])
    rid, old_start, old_title = db.execute("SELECT rid, start_date_time, title FROM psa_appointments WHERE psa_id = ?", (pid,)).fetchone()
    ev = cal.event_by_url(str(cal.url) + appt)
    ev.load()
    ev.data = shift_times(ev.data, dt.timedelta(hours=1))
    ev.save()
    new_start = db.execute("SELECT start_date_time FROM psa_appointments WHERE psa_id = ?", (pid,)).fetchone()[0]
    ob = outbox(db, "Appointments", rid)
    check("move reaches the mirror", parse_sql_time(new_start) - parse_sql_time(old_start) == dt.timedelta(hours=1),
          "%s: %s -> %s" % (appt, old_start, new_start))
    check("move reaches the outbox", len(ob) == 1 and ob[0][0] == 2 and "startDateTime" in ob[0][2], str(ob))

    # Change its SUMMARY: the PSA title stays, the next GET shows it.
    ev.load()
    ev.data = re.sub(r"(?m)^SUMMARY:.*$", "SUMMARY:Renamed on the phone\r", ev.data)
    ev.save()
    title = db.execute("SELECT title FROM psa_appointments WHERE psa_id = ?", (pid,)).fetchone()[0]
    ev.load()
    served = re.search(r"(?m)^SUMMARY:(.*?)\r?$", ev.data).group(1)
    check("SUMMARY change leaves the PSA title", title == old_title, "mirror %r" % title)
    check("next GET shows the PSA title", served == old_title.replace(",", "\\,").replace(";", "\\;"), "served %r" % served)
    check("SUMMARY change queues nothing", len(outbox(db, "Appointments", rid)) == 1)

    # DELETE of a service call and PUT to time off: 403.
    call = sorted(n for n in found if n.startswith("service-call-"))[0]
    raw = requests.Session()
    raw.auth = (LOGIN, "demo")
    r = raw.delete(str(cal.url) + call)
    check("DELETE service call is 403", r.status_code == 403 and "need-privileges" in r.text, "%s %d" % (call, r.status_code))
    off = sorted(n for n in found if n.startswith("time-off-"))[0]
    off_ev = cal.event_by_url(str(cal.url) + off)
    off_ev.load()
    r = raw.put(str(cal.url) + off, data=off_ev.data.replace("TRANSP:OPAQUE", "TRANSP:TRANSPARENT").encode(),
                headers={"Content-Type": "text/calendar"})
    check("PUT time off is 403", r.status_code == 403 and "need-privileges" in r.text, "%s %d" % (off, r.status_code))

    # A private event created by the client.
    uid = "acceptance-private-" + uuid.uuid4().hex[:8]
    start = (now + dt.timedelta(days=2)).replace(hour=14, minute=0, second=0)
    priv = cal.save_event("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//acceptance//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
                          "DTSTAMP:%s\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Dentist\r\nDESCRIPTION:Dr. Hook\r\nCLASS:PRIVATE\r\n"
                          "END:VEVENT\r\nEND:VCALENDAR\r\n" % (uid, icsts(now), icsts(start), icsts(start + dt.timedelta(hours=1))))
    row = db.execute("""SELECT a.rid, a.title, a.description, a.origin FROM psa_appointments a
        JOIN gateway_series_links l ON l.appointment_rid = a.rid JOIN gateway_series s ON s.rid = l.series_rid
        WHERE s.client_uid = ?""", (uid,)).fetchone()
    check("private event is 'Appointment' without description in the mirror",
          row is not None and row[1] == "Appointment" and row[2] == "" and row[3] == 2, str(row))
    check("private event queued a create", row is not None and [e[0] for e in outbox(db, "Appointments", row[0])] == [1])
    priv.load()
    check("the client still reads its own title", "SUMMARY:Dentist" in priv.data and "Dr. Hook" in priv.data)

    # A weekly series: linked appointments inside the window; an EXDATE
    # deletes that occurrence's appointment.
    suid = "acceptance-weekly-" + uuid.uuid4().hex[:8]
    first = (now + dt.timedelta(days=1)).replace(hour=8, minute=0, second=0)
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//acceptance//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:%s\r\n"
            "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Weekly sync\r\nRRULE:FREQ=WEEKLY;COUNT=8\r\n%%sEND:VEVENT\r\nEND:VCALENDAR\r\n"
            % (suid, icsts(now), icsts(first), icsts(first + dt.timedelta(minutes=30))))
    series = cal.save_event(body % "")
    links = db.execute("""SELECT l.recurrence_id, a.rid, a.start_date_time, a.psa_deleted_at FROM gateway_series_links l
        JOIN gateway_series s ON s.rid = l.series_rid JOIN psa_appointments a ON a.rid = l.appointment_rid
        WHERE s.client_uid = ? ORDER BY l.recurrence_id""", (suid,)).fetchall()
    check("weekly series made 8 linked appointments", len(links) == 8 and all(l[3] is None for l in links),
          "%d links, first %s" % (len(links), links[0][2] if links else None))
    second_rid = links[1][1]
    series.data = body % ("EXDATE:%s\r\n" % icsts(first + dt.timedelta(days=7)))
    series.save()
    gone = db.execute("SELECT psa_deleted_at FROM psa_appointments WHERE rid = ?", (second_rid,)).fetchone()[0]
    ops = [e[0] for e in outbox(db, "Appointments", second_rid)]
    live = db.execute("""SELECT COUNT(*) FROM gateway_series_links l JOIN gateway_series s ON s.rid = l.series_rid
        JOIN psa_appointments a ON a.rid = l.appointment_rid WHERE s.client_uid = ? AND a.psa_deleted_at IS NULL""", (suid,)).fetchone()[0]
    check("EXDATE removes that occurrence's appointment", gone is not None and ops == [1, 3] and live == 7,
          "deleted_at %s, outbox ops %s, %d live" % (gone, ops, live))

    # A VALARM on a PSA appointment survives a PSA change of its time.
    appt2 = sorted(n for n in found if n.startswith("appointment-"))[-1]
    pid2 = int(appt2[len("appointment-"):-4])
    ev2 = cal.event_by_url(str(cal.url) + appt2)
    ev2.load()
    ev2.data = ev2.data.replace("END:VEVENT", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\nEND:VEVENT")
    ev2.save()
    r = db.execute("""SELECT resource_id, title, description, start_date_time, end_date_time FROM psa_appointments
        WHERE psa_id = ?""", (pid2,)).fetchone()
    moved_start = parse_sql_time(r[3]) + dt.timedelta(days=1)
    rec = {"id": pid2, "resourceID": r[0], "title": r[1], "description": r[2],
           "startDateTime": moved_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "endDateTime": (parse_sql_time(r[4]) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "updateDateTime": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "Appointments.json")
        with open(path, "w") as f:
            json.dump({"items": [rec]}, f)
        out = subprocess.run([args.psadav, "import", "--data", args.data, path], capture_output=True, text=True)
    check("psadav import of the changed appointment", out.returncode == 0, (out.stdout + out.stderr).strip().replace("\n", " | "))
    ev2.load()
    check("VALARM survives the PSA change", "TRIGGER:-PT30M" in ev2.data and
          moved_start.strftime("%Y%m%d") in ev2.data, appt2)

    # Completing a to-do on the client sets completedDate in the mirror.
    todos = tasks.todos()
    open_todo = None
    for t in todos:
        t.load()
        if "STATUS:NEEDS-ACTION" in t.data:
            open_todo = t
            break
    tname = name_of(open_todo)
    tid = int(tname[len("todo-"):-4])
    open_todo.data = open_todo.data.replace("STATUS:NEEDS-ACTION", "STATUS:COMPLETED")
    open_todo.save()
    done = db.execute("SELECT rid, completed_date FROM psa_todos WHERE psa_id = ?", (tid,)).fetchone()
    check("completing a to-do sets completedDate", done[1] is not None, "%s completedDate %s, outbox %s" % (
        tname, done[1], outbox(db, "CompanyToDos", done[0])))

    print("%d failure(s)" % FAILURES)
    return FAILURES


if __name__ == "__main__":
    try:
        sys.exit(main())
    except caldav_error.DAVError as e:
        print("FAIL caldav error: %s" % e)
        sys.exit(1)
