package mapping

import (
	"strings"
	"unicode"

	"github.com/rivo/uniseg"
)

// Free text a client writes may be longer than the PSA field it goes to
// (a contact's note holds 50, an appointment's description 8,000): where
// the client keeps its whole text, the PSA gets the start that fits, cut
// where a reader expects a cut (README: "What a client writes").

// PSALength is a text's length as Autotask counts it: in UTF-16 code
// units. Autotask keeps text in SQL Server nvarchar columns, whose length
// is counted in byte-pairs (a character outside the Basic Multilingual
// Plane, such as most emoji, takes two), and validates it with .NET
// string lengths, which count the same way (docs/autotask.md A24). It is
// never less than the number of characters, so a text within a limit by
// this count is also within it by characters (the mirror's columns).
func PSALength(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

// runeUnits is a character's length in UTF-16 code units.
func runeUnits(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

// FitText cuts text for a field of limit PSALength units: head is the
// longest start that fits, ending at a line end when that keeps at least
// half the room, else at a line-break opportunity of Unicode's line
// breaking algorithm (UAX #14: between words, after a hyphen, between
// ideographs), else between grapheme clusters, so no character — nor a
// letter with its accents, nor an emoji sequence — is split. rest is the
// remainder. The white space at the cut belongs to neither. A limit of 0
// or less holds any text.
//
// The segmentation is rivo/uniseg's (UAX #14 and #29): splitting at
// spaces alone would cut Chinese or Japanese text, which has none, in the
// middle of a run at an arbitrary character.
func FitText(text string, limit int) (head, rest string) {
	if limit <= 0 || len(text) <= limit { // a UTF-16 unit takes at least one UTF-8 byte
		return text, ""
	}
	cut, line, used := 0, 0, 0
	state := -1
	for s := window(text, limit); s != ""; {
		seg, r, _, st := uniseg.FirstLineSegmentInString(s, state)
		state = st
		if used+PSALength(strings.TrimRightFunc(seg, unicode.IsSpace)) > limit {
			break
		}
		used += PSALength(seg)
		cut += len(seg)
		if uniseg.HasTrailingLineBreakInString(seg) && 2*PSALength(strings.TrimRightFunc(text[:cut], unicode.IsSpace)) >= limit {
			line = cut
		}
		s = r
	}
	switch {
	case cut == len(text):
		return strings.TrimRightFunc(text, unicode.IsSpace), ""
	case line > 0:
		cut = line
	case cut == 0:
		cut = graphemesWithin(window(text, limit), limit)
	}
	return strings.TrimRightFunc(text[:cut], unicode.IsSpace), strings.TrimLeftFunc(text[cut:], unicode.IsSpace)
}

// window is as much of text as a cut for limit units needs to look at:
// the characters up to one unit past the limit and a few after them (a
// line-break opportunity depends on the characters that follow). So a
// cut costs the same however long the text is: a 10 MiB NOTE is cut into
// parts without scanning all the rest of it for each part. The window
// ends at a character boundary.
func window(text string, limit int) string {
	units, ahead := 0, -1
	for i, r := range text {
		if ahead >= 0 {
			if ahead++; ahead > 8 {
				return text[:i]
			}
			continue
		}
		if units += runeUnits(r); units > limit {
			ahead = 0
		}
	}
	return text
}

// graphemesWithin is the length in bytes of the longest run of whole
// grapheme clusters at the start of text within limit units; when not
// even the first cluster fits, of whole characters.
func graphemesWithin(text string, limit int) int {
	n, used, state := 0, 0, -1
	for s := text; s != ""; {
		g, r, _, st := uniseg.FirstGraphemeClusterInString(s, state)
		state = st
		if used += PSALength(g); used > limit {
			break
		}
		n += len(g)
		s = r
	}
	if n > 0 {
		return n
	}
	used = 0
	for i, r := range text {
		if used += runeUnits(r); used > limit {
			return i
		}
	}
	return len(text)
}

// SplitText cuts text into a head for a field of first units and parts
// of at most each units (FitText's cuts), in reading order. A text that
// fits has no parts. Every part holds something: where not even one
// character fits each, a part takes one grapheme cluster anyway.
func SplitText(text string, first, each int) (head string, parts []string) {
	head, rest := FitText(text, first)
	for rest != "" {
		part, r := FitText(rest, each)
		if part == "" {
			g, after, _, _ := uniseg.FirstGraphemeClusterInString(rest, -1)
			part, r = g, strings.TrimLeftFunc(after, unicode.IsSpace)
		}
		parts = append(parts, part)
		rest = r
	}
	return head, parts
}
