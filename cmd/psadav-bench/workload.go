package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/psadav/psadav/mapping"
)

// workload is the benchmark's data, the same for every server: a large
// address book, a small one (a subset), and a calendar. psadav gets it as
// PSA records through the import path; the peers get vCards and events by
// PUT.
type workload struct {
	contacts int       // the large book
	small    int       // the small book: the contacts of the first companies
	events   int       // the calendar
	day      time.Time // today, UTC
}

const (
	benchCompanies     = 100
	benchResourceBig   = 1000 // "bench": manages the small book's companies; every contact; the calendar
	benchResourceSmall = 1001
	benchResourceOther = 1002
	benchContactBase   = 500000
	benchEventBase     = 900000
)

func (w workload) perCompany() int { return (w.contacts + benchCompanies - 1) / benchCompanies }

// smallCompanies is how many companies the small book's user manages.
func (w workload) smallCompanies() int { return (w.small + w.perCompany() - 1) / w.perCompany() }

func (w workload) company(i int) int { return i / w.perCompany() }

func (w workload) contactName(i int) (first, last string) {
	firsts := []string{"Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Karla", "Leon"}
	lasts := []string{"Archer", "Baker", "Cole", "Dyer", "Evans", "Fischer", "Gruber", "Huber", "Iversen", "Jansen", "Keller", "Lang"}
	return firsts[i%len(firsts)], fmt.Sprintf("%s%d", lasts[(i/len(firsts))%len(lasts)], i)
}

// eventStart spreads the events over 360 days starting 60 days ago.
func (w workload) eventStart(i int) time.Time {
	step := 360 * 24 * time.Hour / time.Duration(w.events)
	return w.day.Add(-60 * 24 * time.Hour).Add(time.Duration(i) * step).Truncate(time.Minute)
}

// psadavBundle writes the PSA records for psadav's import: resources,
// companies, contacts and appointments in the Autotask REST shape.
// changed marks contacts whose title changes (the "10 changes" step).
func (w workload) psadavBundle(out io.Writer, changed map[int]bool, withEvents bool) error {
	bw := bufio.NewWriter(out)
	enc := json.NewEncoder(bw)
	section := func(first bool, e mapping.Entity, n int, rec func(i int) any) error {
		if !first {
			bw.WriteString(",")
		}
		fmt.Fprintf(bw, "%q:{\"items\":[", e)
		for i := range n {
			if i > 0 {
				bw.WriteString(",")
			}
			if err := enc.Encode(rec(i)); err != nil {
				return err
			}
		}
		_, err := bw.WriteString("]}")
		return err
	}
	bw.WriteString("{")
	err := section(true, mapping.EntityResources, 3, func(i int) any {
		return &mapping.Resource{ID: int64(benchResourceBig + i), UserName: []string{"bench", "second", "other"}[i],
			FirstName: "Bench", LastName: fmt.Sprint(i), Email: fmt.Sprintf("bench%d@example.com", i), IsActive: true}
	})
	if err == nil {
		err = section(false, mapping.EntityCompanies, benchCompanies, func(i int) any {
			owner, customer := int64(benchResourceOther), int64(1)
			if i < w.smallCompanies() {
				owner = benchResourceBig
			}
			return &mapping.Company{ID: int64(100 + i), CompanyName: fmt.Sprintf("Company %03d GmbH", i), OwnerResourceID: &owner, CompanyType: &customer,
				IsActive: true, Phone: "+49 30 1234567", Address1: "Hauptstraße 1", City: "Berlin", PostalCode: "10115"}
		})
	}
	if err == nil {
		err = section(false, mapping.EntityContacts, w.contacts, func(i int) any {
			first, last := w.contactName(i)
			title := "Office Manager"
			if changed[i] {
				title = "Head of Operations"
			}
			return &mapping.Contact{ID: int64(benchContactBase + i), CompanyID: int64(100 + w.company(i)), IsActive: 1,
				FirstName: first, LastName: last, Title: title, EmailAddress: fmt.Sprintf("%s.%s@example.com", strings.ToLower(first), strings.ToLower(last)),
				Phone: "+49 30 1234" + fmt.Sprintf("%03d", i%1000), Extension: fmt.Sprint(i % 90), MobilePhone: "+49 170 55" + fmt.Sprintf("%05d", i),
				AddressLine: fmt.Sprintf("Beispielweg %d", i%200+1), City: "Berlin", ZipCode: "10115"}
		})
	}
	if err == nil && withEvents {
		err = section(false, mapping.EntityAppointments, w.events, func(i int) any {
			start := w.eventStart(i)
			return &mapping.Appointment{ID: int64(benchEventBase + i), ResourceID: benchResourceBig, Title: fmt.Sprintf("Customer visit %d", i),
				Description: "Agenda: review open tickets\nBring the spare router", StartDateTime: start, EndDateTime: start.Add(30 * time.Minute)}
		})
	}
	if err != nil {
		return err
	}
	bw.WriteString("}")
	return bw.Flush()
}

// card is contact i as a peer gets it: a vCard 3.0 much like psadav's.
func (w workload) card(i int, changed bool) (name, body string) {
	first, last := w.contactName(i)
	title := "Office Manager"
	if changed {
		title = "Head of Operations"
	}
	uid := fmt.Sprintf("bench-contact-%d", benchContactBase+i)
	body = "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//psadav//bench//EN\r\nUID:" + uid + "\r\n" +
		"N:" + last + ";" + first + ";;;\r\nFN:" + first + " " + last + "\r\n" +
		fmt.Sprintf("ORG:Company %03d GmbH\r\nTITLE:%s\r\n", w.company(i), title) +
		fmt.Sprintf("TEL;TYPE=WORK,VOICE:+49 30 1234%03d x%d\r\nTEL;TYPE=CELL,VOICE:+49 170 55%05d\r\n", i%1000, i%90, i) +
		fmt.Sprintf("EMAIL;TYPE=INTERNET,WORK,pref:%s.%s@example.com\r\n", strings.ToLower(first), strings.ToLower(last)) +
		fmt.Sprintf("ADR;TYPE=WORK:;;Beispielweg %d;Berlin;;10115;\r\n", i%200+1) +
		"END:VCARD\r\n"
	return uid + ".vcf", body
}

// event is appointment i as a peer gets it.
func (w workload) event(i int) (name, body string) {
	start := w.eventStart(i)
	f := "20060102T150405Z"
	uid := fmt.Sprintf("bench-event-%d", benchEventBase+i)
	body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//psadav//bench//EN\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\n" +
		"DTSTAMP:" + w.day.Format(f) + "\r\nDTSTART:" + start.Format(f) + "\r\nDTEND:" + start.Add(30*time.Minute).Format(f) + "\r\n" +
		fmt.Sprintf("SUMMARY:Customer visit %d\r\n", i) + "DESCRIPTION:Agenda: review open tickets\\nBring the spare router\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n"
	return uid + ".ics", body
}
